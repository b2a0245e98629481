//! The gazetteer: place and nationality names from GeoNames and
//! countryinfo (see `data/gazetteer/README.md`), compiled into the binary.
//!
//! The entity extractor asks it whether a run of capitalised words names a
//! country, city, region, continent or nationality. Names are matched as
//! written (case-sensitively), as they appear in news copy.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

const PLACES_TSV: &str = include_str!("../../data/gazetteer/places.tsv");

/// What a gazetteer name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlaceKind {
    /// A country, or an alternative name of one.
    Country,
    /// A nationality adjective or plural: "Russian", "Armenians".
    Nationality,
    /// A US state.
    Region,
    /// A city.
    City,
    /// A continent.
    Continent,
}

static PLACES: LazyLock<FxHashMap<&'static str, PlaceKind>> = LazyLock::new(|| {
    let mut places = FxHashMap::default();
    for line in PLACES_TSV.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split('\t');
        let (Some(name), Some(kind)) = (fields.next(), fields.next()) else {
            continue;
        };
        let kind = match kind {
            "country" => PlaceKind::Country,
            "nationality" => PlaceKind::Nationality,
            "region" => PlaceKind::Region,
            "city" => PlaceKind::City,
            "continent" => PlaceKind::Continent,
            _ => continue,
        };
        // A name listed under several kinds ("Armenia" the country and the
        // Colombian city) takes the most prominent one (enum order).
        places
            .entry(name)
            .and_modify(|known: &mut PlaceKind| *known = (*known).min(kind))
            .or_insert(kind);
    }
    places
});

/// What `name` is in the gazetteer, if anything.
pub fn lookup(name: &str) -> Option<PlaceKind> {
    PLACES.get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_countries_cities_and_nationalities() {
        assert_eq!(lookup("Armenia"), Some(PlaceKind::Country));
        assert_eq!(lookup("Moscow"), Some(PlaceKind::City));
        assert_eq!(lookup("Azerbaijani"), Some(PlaceKind::Nationality));
        assert_eq!(lookup("U.S."), Some(PlaceKind::Country));
        assert_eq!(lookup("South Caucasus Railway"), None);
        assert_eq!(lookup("moscow"), None);
    }
}
