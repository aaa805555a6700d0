"""Hand-written sentences for the embedding model's quality gate and tests: one table, no network.

TOPICS groups sentences by subject, so a sentence's nearest neighbour should share its topic;
the gate compares every variant's neighbours with fp32's. SEARCH_CASES are queries written apart
from the corpus, each with the corpus sentence a good model ranks first.
"""
from __future__ import annotations

TOPICS: dict[str, tuple[str, ...]] = {
    "cooking": (
        "Whisk the eggs with a pinch of salt before pouring them into the pan.",
        "Let the bread dough rise for two hours in a warm kitchen.",
        "This soup needs more garlic and a splash of lemon juice.",
        "Roast the vegetables at 200 degrees until the edges brown.",
        "She baked a chocolate cake for her grandmother's birthday.",
    ),
    "weather": (
        "Heavy rain is expected across the north of the country tomorrow.",
        "It was so hot last summer that the rivers nearly dried up.",
        "A thick fog rolled in from the sea this morning.",
        "Snow closed the mountain pass for three days.",
        "The forecast says sunshine with a light breeze all weekend.",
    ),
    "sport": (
        "The striker scored twice in the last ten minutes of the match.",
        "She finished the marathon in just under three hours.",
        "Our tennis club is looking for new players for the doubles league.",
        "The cyclists climbed the final mountain stage in pouring rain.",
        "He has been swimming laps every morning to train for the triathlon.",
    ),
    "computers": (
        "Restart the router if the wifi connection keeps dropping.",
        "The laptop battery drains quickly when the screen is at full brightness.",
        "Python lists can hold items of different types.",
        "Back up your files before installing the operating system update.",
        "The program crashed because it ran out of memory.",
    ),
    "animals": (
        "The cat sleeps on the windowsill in the afternoon sun.",
        "A herd of elephants crossed the river at dawn.",
        "Our dog barks at the postman every single morning.",
        "Owls hunt mice at night with almost silent wings.",
        "The aquarium has a new tank of bright tropical fish.",
    ),
    "money": (
        "The bank raised interest rates by a quarter of a percent.",
        "I saved some of my salary each month to buy a house.",
        "Share prices fell sharply after the disappointing earnings report.",
        "Keep your receipts so you can claim the expenses back.",
        "Inflation made groceries noticeably more expensive this year.",
    ),
    "travel": (
        "Our flight to Lisbon was delayed by two hours.",
        "We took the night train across the border and woke up in the mountains.",
        "Don't forget your passport and a charger for the trip.",
        "The hotel room had a balcony overlooking the harbour.",
        "They spent a week hiking between villages along the coast.",
    ),
    "health": (
        "Drink plenty of water and rest if you have a fever.",
        "The doctor recommended thirty minutes of walking every day.",
        "She sprained her ankle and had to wear a brace for a month.",
        "Regular sleep helps the body recover from stress.",
        "The pharmacy is out of the allergy medicine I usually take.",
    ),
    "music": (
        "The orchestra played Beethoven's ninth symphony to a full hall.",
        "He is learning to play the guitar from online videos.",
        "The band's new album mixes jazz with electronic beats.",
        "She sang in the church choir when she was young.",
        "The concert tickets sold out within minutes.",
    ),
    "multilingual and odd": (
        "Le chat dort sur le canapé.",
        "Der Zug nach Berlin fährt um acht Uhr ab.",
        "東京は日本の首都です。",
        "¿Dónde está la estación de autobuses?",
        "ok 👍 see you at 5!!!",
    ),
}

# Inputs for ranking the embedding model's layers by sensitivity (quantisation search), written
# apart from TOPICS and SEARCH_CASES so the gate judges on sentences the search never saw.
CALIBRATION: tuple[str, ...] = (
    "The museum opens an exhibition of early photographs next month.",
    "Turn left at the bakery and the library is on your right.",
    "My phone screen cracked when it fell off the table.",
    "The garden needs watering twice a week in July.",
    "Parliament will vote on the new housing law on Thursday.",
    "He fixed the leaking tap with a new washer.",
    "Il pleut depuis trois jours à Bruxelles.",
    "The children built a sandcastle before the tide came in.",
    "Please send the invoice to the accounts department.",
    "A meteor shower will be visible after midnight.",
    "",
    "lol",
)

SEARCH_CASES: tuple[tuple[str, str], ...] = (
    ("How do I fix my internet connection?", "Restart the router if the wifi connection keeps dropping."),
    ("what's the weather going to be like on saturday", "The forecast says sunshine with a light breeze all weekend."),
    ("a pet that is noisy when the mail arrives", "Our dog barks at the postman every single morning."),
    ("recipe for a dessert", "She baked a chocolate cake for her grandmother's birthday."),
    ("stock market drop", "Share prices fell sharply after the disappointing earnings report."),
    ("my computer says it has no RAM left", "The program crashed because it ran out of memory."),
    ("exercise advice from a physician", "The doctor recommended thirty minutes of walking every day."),
    ("long distance running race", "She finished the marathon in just under three hours."),
    ("documents you need to go abroad", "Don't forget your passport and a charger for the trip."),
    ("going to hear a symphony", "The orchestra played Beethoven's ninth symphony to a full hall."),
)


def corpus() -> list[str]:
    """Every TOPICS sentence, topic by topic."""
    return [sentence for sentences in TOPICS.values() for sentence in sentences]


def topic_of() -> dict[str, str]:
    return {sentence: topic for topic, sentences in TOPICS.items() for sentence in sentences}
