"""The forces registry and the built-in force lists, present right after `migrate`.

Names and ONS Police Force Area codes (Dec 2024) from DOMAIN.md section 6. The data is a snapshot
kept in this migration, so later edits in the admin are never overwritten by a re-run.
"""

from django.db import migrations
from django.utils.text import slugify

# (official name, short name, ONS code, region, country, law, aliases, former names)
E, W = "england", "wales"
FORCES = [
    ("Cleveland Police", "Cleveland", "E23000013", "North East", E, "foia", [], []),
    ("Durham Constabulary", "Durham", "E23000008", "North East", E, "foia", [], []),
    ("Northumbria Police", "Northumbria", "E23000007", "North East", E, "foia", [], []),
    ("Cheshire Constabulary", "Cheshire", "E23000006", "North West", E, "foia", [], []),
    ("Cumbria Constabulary", "Cumbria", "E23000002", "North West", E, "foia", [], []),
    ("Greater Manchester Police", "Greater Manchester", "E23000005", "North West", E, "foia", ["GMP"], []),
    ("Lancashire Constabulary", "Lancashire", "E23000003", "North West", E, "foia", [], []),
    ("Merseyside Police", "Merseyside", "E23000004", "North West", E, "foia", [], []),
    ("Humberside Police", "Humberside", "E23000012", "Yorkshire and The Humber", E, "foia", [], []),
    ("North Yorkshire Police", "North Yorkshire", "E23000009", "Yorkshire and The Humber", E, "foia", [], []),
    ("South Yorkshire Police", "South Yorkshire", "E23000011", "Yorkshire and The Humber", E, "foia", [], []),
    ("West Yorkshire Police", "West Yorkshire", "E23000010", "Yorkshire and The Humber", E, "foia", [], []),
    ("Derbyshire Constabulary", "Derbyshire", "E23000018", "East Midlands", E, "foia", [], []),
    ("Leicestershire Police", "Leicestershire", "E23000021", "East Midlands", E, "foia", [], []),
    ("Lincolnshire Police", "Lincolnshire", "E23000020", "East Midlands", E, "foia", [], []),
    ("Northamptonshire Police", "Northamptonshire", "E23000022", "East Midlands", E, "foia", ["Northants"], []),
    ("Nottinghamshire Police", "Nottinghamshire", "E23000019", "East Midlands", E, "foia", [], []),
    ("Staffordshire Police", "Staffordshire", "E23000015", "West Midlands", E, "foia", [], []),
    ("Warwickshire Police", "Warwickshire", "E23000017", "West Midlands", E, "foia", [], []),
    ("West Mercia Police", "West Mercia", "E23000016", "West Midlands", E, "foia", [], []),
    ("West Midlands Police", "West Midlands", "E23000014", "West Midlands", E, "foia", [], []),
    ("Bedfordshire Police", "Bedfordshire", "E23000026", "East of England", E, "foia", [], []),
    ("Cambridgeshire Constabulary", "Cambridgeshire", "E23000023", "East of England", E, "foia", [], []),
    ("Essex Police", "Essex", "E23000028", "East of England", E, "foia", [], []),
    ("Hertfordshire Constabulary", "Hertfordshire", "E23000027", "East of England", E, "foia", [], []),
    ("Norfolk Constabulary", "Norfolk", "E23000024", "East of England", E, "foia", [], []),
    ("Suffolk Constabulary", "Suffolk", "E23000025", "East of England", E, "foia", [], []),
    ("City of London Police", "City of London", "E23000034", "London", E, "foia", [], []),
    (
        "Metropolitan Police Service", "Metropolitan", "E23000001", "London", E, "foia",
        ["Met", "Met Police", "MPS", "Metropolitan Police"], [],
    ),
    (
        "Hampshire and Isle of Wight Constabulary", "Hampshire and IOW", "E23000030", "South East", E,
        "foia", ["Hampshire", "Hampshire & IOW"], ["Hampshire Constabulary"],
    ),
    ("Kent Police", "Kent", "E23000032", "South East", E, "foia", [], []),
    ("Surrey Police", "Surrey", "E23000031", "South East", E, "foia", [], []),
    ("Sussex Police", "Sussex", "E23000033", "South East", E, "foia", [], []),
    ("Thames Valley Police", "Thames Valley", "E23000029", "South East", E, "foia", ["TVP"], []),
    ("Avon and Somerset Constabulary", "Avon and Somerset", "E23000036", "South West", E, "foia", [], []),
    ("Devon and Cornwall Police", "Devon and Cornwall", "E23000035", "South West", E, "foia", [], []),
    ("Dorset Police", "Dorset", "E23000039", "South West", E, "foia", [], []),
    ("Gloucestershire Constabulary", "Gloucestershire", "E23000037", "South West", E, "foia", [], []),
    ("Wiltshire Police", "Wiltshire", "E23000038", "South West", E, "foia", [], []),
    ("Dyfed-Powys Police", "Dyfed-Powys", "W15000004", "Wales", W, "foia", [], []),
    ("Gwent Police", "Gwent", "W15000002", "Wales", W, "foia", [], []),
    ("North Wales Police", "North Wales", "W15000001", "Wales", W, "foia", [], []),
    ("South Wales Police", "South Wales", "W15000003", "Wales", W, "foia", [], []),
    (
        "Police Scotland", "Police Scotland", "S23000009", "Scotland", "scotland", "foisa",
        ["Police Service of Scotland", "Scotland"], [],
    ),
    (
        "Police Service of Northern Ireland", "PSNI", "N23000001", "Northern Ireland",
        "northern_ireland", "foia", ["Northern Ireland"], [],
    ),
    ("British Transport Police", "British Transport Police", "", "National", "uk", "foia", ["BTP"], []),
    ("Ministry of Defence Police", "MOD Police", "", "National", "uk", "foia", ["MDP", "MoD Police"], []),
    ("Civil Nuclear Constabulary", "Civil Nuclear", "", "National", "uk", "foia", ["CNC"], []),
]

ENGLAND_AND_WALES = [f[0] for f in FORCES if f[4] in (E, W)]
UK_TERRITORIAL = ENGLAND_AND_WALES + ["Police Scotland", "Police Service of Northern Ireland"]
LISTS = [
    ("England and Wales (43)", "england-and-wales", ENGLAND_AND_WALES),
    ("UK territorial (45)", "uk-territorial", UK_TERRITORIAL),
    ("All (48)", "all", [f[0] for f in FORCES]),
]


def load(apps, schema_editor):
    Force = apps.get_model("requests_app", "Force")
    ForceAlias = apps.get_model("requests_app", "ForceAlias")
    ForceList = apps.get_model("requests_app", "ForceList")
    by_name = {}
    for name, short, code, region, country, law, aliases, former in FORCES:
        force = Force.objects.create(
            name=name, short_name=short, slug=slugify(name), ons_code=code, region=region,
            country=country, law=law,
        )
        by_name[name] = force
        for alias in aliases:
            ForceAlias.objects.create(force=force, name=alias)
        for alias in former:
            ForceAlias.objects.create(force=force, name=alias, is_former_name=True)
    for name, slug, members in LISTS:
        force_list = ForceList.objects.create(name=name, slug=slug, builtin=True)
        force_list.forces.set([by_name[m] for m in members])


def unload(apps, schema_editor):
    apps.get_model("requests_app", "ForceList").objects.filter(builtin=True).delete()
    apps.get_model("requests_app", "Force").objects.filter(
        name__in=[f[0] for f in FORCES], requests__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
