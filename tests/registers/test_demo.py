from podkowa.registers.demo import load_registers_demo
from podkowa.registers.models import ObjectStatus, Register, RegisterObject


def test_demo_registers_are_deterministic_and_idempotent(gmina):
    load_registers_demo(gmina)
    first = sorted(RegisterObject.objects.values_list("register__slug", "attributes"),
                   key=repr)
    load_registers_demo(gmina)
    assert sorted(RegisterObject.objects.values_list("register__slug", "attributes"),
                  key=repr) == first
    counts = {r.slug: r.objects_set.count() for r in Register.objects.all()}
    assert counts["drzewa"] == 220 and counts["lawki"] == 45 and counts["latarnie"] > 150
    assert counts["linie-oswietleniowe"] == 8
    lamp = RegisterObject.objects.filter(register__slug="latarnie").first()
    assert 20.70 < lamp.geometry.x < 20.76 and 52.10 < lamp.geometry.y < 52.14
    line = RegisterObject.objects.get(pk=lamp.attributes["linia"])
    assert line.length_m > 400
    assert RegisterObject.objects.filter(status=ObjectStatus.PLANNED).exists()
