"""Non-maximum suppression and detection post-processing maths, on hand-made boxes and scores."""
import numpy as np
import pytest

from ondevice.image import Placement
from ondevice.tasks.detect import Box, postprocess
from ondevice.tasks.nms import iou, non_max_suppression, per_class_non_max_suppression

# Two boxes overlapping by IoU 0.6, one apart; as (x_min, y_min, x_max, y_max).
A = [0, 0, 10, 10]
A_SHIFTED = [2.5, 0, 12.5, 10]  # intersection 75, union 125: IoU 0.6
FAR = [50, 50, 60, 60]


def test_iou_of_known_boxes():
    assert iou(np.array(A, float), np.array([A, A_SHIFTED, FAR], float)) == pytest.approx([1.0, 0.6, 0.0])


def test_box_overlap_is_the_iou_of_x_y_width_height_boxes():
    assert Box(0, 0, 10, 10).overlap(Box(2.5, 0, 10, 10)) == pytest.approx(0.6)


def test_iou_of_a_degenerate_box_is_zero_not_nan():
    assert iou(np.array([5, 5, 5, 5], float), np.array([[5, 5, 5, 5]], float)).tolist() == [0.0]


def test_overlapping_box_with_lower_score_is_suppressed():
    assert non_max_suppression([A, A_SHIFTED, FAR], [0.9, 0.8, 0.7], iou_threshold=0.5).tolist() == [0, 2]


def test_overlap_below_the_threshold_keeps_both():
    assert non_max_suppression([A, A_SHIFTED], [0.9, 0.8], iou_threshold=0.7).tolist() == [0, 1]


def test_best_score_wins_whatever_the_input_order():
    assert non_max_suppression([A_SHIFTED, FAR, A], [0.8, 0.1, 0.95], iou_threshold=0.5).tolist() == [2, 1]


def test_equal_scores_keep_the_lower_index():
    assert non_max_suppression([A_SHIFTED, A], [0.5, 0.5], iou_threshold=0.5).tolist() == [0]
    assert non_max_suppression([FAR, A], [0.5, 0.5]).tolist() == [0, 1]


def test_empty_input_gives_empty_output():
    kept = non_max_suppression(np.zeros((0, 4)), np.zeros(0))
    assert kept.dtype == np.int64 and kept.shape == (0,)
    assert per_class_non_max_suppression(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int)).shape == (0,)


def test_max_boxes_caps_the_result_best_first():
    boxes = [[i * 20, 0, i * 20 + 10, 10] for i in range(6)]
    scores = [0.1, 0.6, 0.3, 0.9, 0.5, 0.2]
    assert non_max_suppression(boxes, scores, max_boxes=3).tolist() == [3, 1, 4]
    assert non_max_suppression(boxes, scores, max_boxes=0).tolist() == []


def test_per_class_nms_never_suppresses_across_classes():
    boxes, scores = [A, A_SHIFTED, A], [0.9, 0.8, 0.7]
    assert per_class_non_max_suppression(boxes, scores, [1, 1, 2]).tolist() == [0, 2]
    assert non_max_suppression(boxes, scores).tolist() == [0]


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="2 boxes but 1 scores"):
        non_max_suppression([A, FAR], [0.5])


# ---- post-processing: model outputs -> Detection in the caller's pixels -------------------------
LABELS = ["", "person", "", "cup"]  # id 0 background, id 2 unused


def outputs(rows):
    """rows of (scores per class id, (y_min, x_min, y_max, x_max)) -> (1, A, 4) scores, (1, A, 4) boxes."""
    scores = np.array([[r[0] for r in rows]], dtype=np.float32)
    boxes = np.array([[r[1] for r in rows]], dtype=np.float32)
    return scores, boxes


def test_boxes_come_back_in_the_callers_pixels():
    scores, boxes = outputs([([0.0, 0.9, 0.0, 0.1], (0.25, 0.1, 0.75, 0.5))])
    placement = Placement(image_width=640, image_height=480, left=0, top=0, width=640, height=480)
    (found,) = postprocess(scores, boxes, placement, LABELS)
    assert (found.label, found.class_id) == ("person", 1) and found.score == pytest.approx(0.9)
    assert found.box == pytest.approx(Box(64, 120, 256, 240))


def test_background_and_unused_ids_never_become_detections():
    scores, boxes = outputs([([0.99, 0.0, 0.98, 0.0], (0, 0, 1, 1))])
    assert postprocess(scores, boxes, Placement(10, 10, 0, 0, 10, 10), LABELS) == []


def test_boxes_outside_the_image_are_clipped():
    scores, boxes = outputs([([0, 0, 0, 0.8], (-0.2, 0.5, 1.3, 1.1))])
    (found,) = postprocess(scores, boxes, Placement(200, 100, 0, 0, 200, 100), LABELS)
    assert found.box == pytest.approx(Box(100, 0, 100, 100))


def test_min_score_and_class_agnostic_versus_per_class():
    # One anchor both person (0.7) and cup (0.6); another the same place, cup 0.65.
    scores, boxes = outputs([([0, 0.7, 0, 0.6], (0, 0, 0.5, 0.5)), ([0, 0.1, 0, 0.65], (0, 0, 0.5, 0.5))])
    placement = Placement(100, 100, 0, 0, 100, 100)
    assert [d.label for d in postprocess(scores, boxes, placement, LABELS)] == ["person"]
    assert [(d.label, round(d.score, 2)) for d in postprocess(scores, boxes, placement, LABELS, per_class=True)] \
        == [("person", 0.7), ("cup", 0.65)]
    assert postprocess(scores, boxes, placement, LABELS, min_score=0.8) == []


def test_postprocess_rejects_bad_arguments():
    scores, boxes = outputs([([0, 0.7, 0, 0.6], (0, 0, 0.5, 0.5))])
    placement = Placement(100, 100, 0, 0, 100, 100)
    with pytest.raises(ValueError, match="min_score"):
        postprocess(scores, boxes, placement, LABELS, min_score=1.5)
    with pytest.raises(ValueError, match="max_boxes"):
        postprocess(scores, boxes, placement, LABELS, max_boxes=-1)
