"""Trees: the species dictionary, the removal check (thresholds, who decides) and the fee
estimate from the town's rate table."""

import pytest
from django.core.exceptions import ValidationError

from podkowa.registers.models import TreeFeeRate, TreeSpecies
from podkowa.registers.selectors.trees import fee_basis_cm, tree_removal_check
from podkowa.registers.services.objects import object_create
from podkowa.registers.services.trees import tree_register_ensure
from tests.registers.conftest import point

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def species(gmina):
    made = {}
    for code, polish, latin, group, threshold in [
        ("quercus-robur", "dąb szypułkowy", "Quercus robur", 3, 50),
        ("populus-nigra", "topola czarna", "Populus nigra", 1, 80),
        ("aesculus", "kasztanowiec zwyczajny", "Aesculus hippocastanum", 2, 65),
    ]:
        made[code] = TreeSpecies.objects.create(
            gmina=gmina, code=code, polish_name=polish, latin_name=latin, fee_group=group,
            permit_threshold_cm=threshold)
    return made


@pytest.fixture
def trees(gmina, species):
    return tree_register_ensure(gmina=gmina, slug="trees", name="Trees")


def test_species_are_matched_by_polish_or_latin_name_loosely(gmina, trees):
    oak = object_create(gmina=gmina, register_id=trees.pk, geometry=point(), attributes={
        "number": "1", "species": "DĄB  szypułkowy", "circumference_130": "120; 80"})
    poplar = object_create(gmina=gmina, register_id=trees.pk, geometry=point(), attributes={
        "number": "2", "species": "populus nigra"})
    assert oak.attributes["species"] == "quercus-robur"
    assert oak.attributes["circumference_130"] == [120, 80]
    assert poplar.attributes["species"] == "populus-nigra"
    with pytest.raises(ValidationError) as raised:
        object_create(gmina=gmina, register_id=trees.pk, geometry=point(),
                      attributes={"number": "3", "species": "baobab"})
    assert "“baobab” is not a species" in raised.value.message_dict["attributes.species"][0]


def test_the_register_has_every_inventory_field(gmina, trees):
    keys = set(trees.attributes.values_list("key", flat=True))
    assert keys == {"number", "species", "circumference_130", "circumference_5", "height",
                    "crown_width", "health", "treatment", "monument", "photo", "owner"}
    assert trees.attributes.get(key="owner").personal
    assert tree_register_ensure(gmina=gmina, slug="trees", name="Trees").pk == trees.pk


@pytest.mark.parametrize(("code", "at_5", "procedure"), [
    ("populus-nigra", 80, "none"),          # a poplar up to 80 cm: free
    ("populus-nigra", 81, "permit_starosta"),
    ("aesculus", 65, "none"),
    ("aesculus", 66, "permit_starosta"),
    ("quercus-robur", 50, "none"),
    ("quercus-robur", 51, "permit_starosta"),
])
def test_thresholds_by_species(gmina, species, code, at_5, procedure):
    check = tree_removal_check(gmina=gmina, owner="gmina", attributes={
        "species": code, "circumference_5": at_5, "circumference_130": [at_5 - 10]})
    assert check.procedure == procedure


def test_who_decides_by_owner_and_the_monument_is_protected(gmina, species):
    tree = {"species": "quercus-robur", "circumference_5": 140, "circumference_130": [120]}
    assert tree_removal_check(gmina=gmina, attributes=tree, owner="gmina").procedure == \
        "permit_starosta"
    assert tree_removal_check(gmina=gmina, attributes=tree, owner="other").procedure == \
        "permit_mayor"
    private = tree_removal_check(gmina=gmina, attributes=tree, owner="private")
    assert private.procedure == "notification" and private.fee_grosze is None
    assert "21 days" in private.reasons[0]
    monument = tree_removal_check(gmina=gmina, attributes={**tree, "monument": True},
                                  owner="other")
    assert monument.procedure == "protected"


def test_fee_uses_the_bracket_rate_and_stems(gmina, species):
    assert fee_basis_cm([100, 60, 40]) == 150
    # An oak (group 3) of 90 cm: national maximum 55 zł per cm up to 100 cm.
    small = tree_removal_check(gmina=gmina, owner="other", attributes={
        "species": "quercus-robur", "circumference_5": 100, "circumference_130": [90]})
    assert (small.fee_basis_cm, small.rate_grosze_per_cm, small.fee_grosze) == (90, 5500,
                                                                                495_000)
    # Several stems: 100 + (60 + 40) / 2 = 150 cm, above 100 cm: 70 zł per cm.
    big = tree_removal_check(gmina=gmina, owner="other", attributes={
        "species": "quercus-robur", "circumference_5": 200, "circumference_130": [60, 100, 40]})
    assert (big.fee_basis_cm, big.rate_grosze_per_cm, big.fee_grosze) == (150, 7000, 1_050_000)
    assert big.rate_basis == "Dz.U. 2017 poz. 1330"
    # The town's own resolution wins over the national maximum.
    TreeFeeRate.objects.create(gmina=gmina, fee_group=3, up_to_100_grosze=3000,
                               above_100_grosze=4000, basis="Uchwała nr 1/2026")
    own = tree_removal_check(gmina=gmina, owner="other", attributes={
        "species": "quercus-robur", "circumference_5": 200, "circumference_130": [150]})
    assert (own.fee_grosze, own.rate_basis) == (600_000, "Uchwała nr 1/2026")


def test_the_check_through_the_api(client, gmina, trees):
    tree = object_create(gmina=gmina, register_id=trees.pk, geometry=point(), attributes={
        "number": "1", "species": "topola czarna", "circumference_5": 120,
        "circumference_130": [110]})
    url = f"/api/v1/registers/trees/objects/{tree.pk}/removal-check"
    body = client.get(url, {"owner": "other"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["procedure"] == "permit_mayor" and body["threshold_cm"] == 80
    assert body["fee_grosze"] == 110 * 1500  # group 1, above 100 cm: 15 zł per cm
    assert client.get(url, {"owner": "alien"}).status_code == 422
