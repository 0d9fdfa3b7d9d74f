from org.models import Node


def test_a_districts_subtree_holds_its_schools_and_campuses_but_not_another_districts(world):
    names = set(Node.objects.subtree(world.haidian).values_list("code", flat=True))
    assert names == {"110108", "S-A", "S-A-1", "S-A-2", "S-B", "S-B-1"}


def test_every_node_knows_its_district_and_school(world):
    assert world.campus_a_east.district_id == world.haidian.pk
    assert world.campus_a_east.school_id == world.school_a.pk
    assert world.school_a.school_id == world.school_a.pk
    assert world.haidian.district_id == world.haidian.pk
