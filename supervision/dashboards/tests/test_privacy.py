"""Aggregates above school level never show a count of students' mental-health status under 5, and a total
minus the shown cells never gives a hidden one back."""

from __future__ import annotations

from supervision.dashboards.privacy import shown_single, suppress_table


def _revealed(cells, shown, total_shown) -> bool:
    """Can a hidden numerator be worked out as total minus the shown ones?"""
    hidden = [i for i, s in enumerate(shown) if s.numerator is None]
    return len(hidden) == 1 and total_shown.numerator is not None


def test_a_small_count_is_hidden_together_with_the_next_smallest():
    cells = [(3, 40), (12, 50), (20, 60)]
    shown, total = suppress_table(cells, (35, 150), sensitive=True)
    assert shown[0].numerator is None  # 3 < 5
    assert shown[1].numerator is None  # complementary: otherwise 35 - 20 - 12 = 3
    assert shown[1].num_text == "×" and shown[0].num_text == "<5"
    assert shown[2].numerator == 20 and total.numerator == 35
    assert not _revealed(cells, shown, total)


def test_a_hidden_denominator_hides_its_numerator_and_the_share():
    shown, _total = suppress_table([(0, 3), (8, 30), (9, 31)], (17, 64), sensitive=True)
    assert shown[0].denominator is None and shown[0].numerator is None and shown[0].share is None


def test_the_only_child_small_count_hides_the_total():
    shown, total = suppress_table([(2, 30)], (2, 30), sensitive=True)
    assert shown[0].numerator is None and total.numerator is None


def test_zero_is_hidden_like_any_small_count_and_staffing_figures_are_never_hidden():
    """Issue 19: a zero shown as 0 made every hidden cell "at least 1"; above the school 0 is "<5" too."""
    shown, total = suppress_table([(0, 40), (10, 50)], (10, 90), sensitive=True)
    assert shown[0].numerator is None and shown[0].num_text == "<5"
    assert shown[1].numerator is None and shown[1].num_text == "×"  # else 10 − 10 gives the 0 back
    assert total.numerator == 10
    shown, total = suppress_table([(1, 2), (0, 1)], (1, 3), sensitive=False)
    assert [s.numerator for s in shown] == [1, 0] and total.numerator == 1


def test_a_headline_figure_alone():
    assert shown_single((4, 100), sensitive=True).numerator is None
    assert shown_single((6, 100), sensitive=True).share == 0.06
    assert shown_single((4, 100), sensitive=False).numerator == 4
