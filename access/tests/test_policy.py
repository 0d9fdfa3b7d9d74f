from access.policy import visible_students


def names(user):
    return set(visible_students(user).values_list("name", flat=True))


def test_a_psychological_teacher_sees_the_students_of_their_school_and_only_those(world):
    assert names(world.psych) == {"李小明", "王小红", "张小华"}


def test_a_campus_psychological_teacher_sees_only_their_campus(world):
    assert names(world.psych_east) == {"张小华"}


def test_a_class_teacher_sees_their_own_class_only(world):
    assert names(world.class_teacher) == {"李小明", "王小红"}


def test_a_city_officer_sees_no_student_at_all(world):
    assert names(world.city_officer) == set()


def test_a_district_officer_sees_no_roster_without_an_escalated_student_the_district_admin_holds_it(world):
    # Issue 19 finding 11: need-to-know — the officer works with aggregates and escalated students only; the
    # district administrator (the district's data manager) keeps the roster of the district, not another's.
    assert names(world.district_officer) == set()
    assert names(world.other_district_officer) == set()
    assert names(world.district_admin) == {"李小明", "王小红", "张小华", "赵小丽"}


def test_a_guardian_sees_their_own_child_only(world):
    assert names(world.guardian) == {"李小明"}


def test_a_student_sees_only_themself(world):
    assert names(world.student) == {"李小明"}


def test_an_auditor_sees_no_student(world):
    assert names(world.auditor) == set()
