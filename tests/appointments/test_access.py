from appointments.access import visible_appointments


def test_each_persona_sees_only_its_scope(world):
    seen = {name: set(visible_appointments(user)) for name, user in world.personas().items()}
    assert seen["admin"] == {world.appointment, world.other_appointment}
    assert seen["leadership"] == {world.appointment, world.other_appointment}
    assert seen["secretary"] == {world.appointment}
    assert seen["supervisor"] == {world.appointment}
    assert seen["postdoc"] == {world.appointment}
    assert seen["outsider"] == {world.outside_appointment}
