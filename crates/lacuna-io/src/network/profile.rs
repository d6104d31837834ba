//! Which streets a profile uses, at what speed and in which directions: the tag tables of the
//! `walk` and `drive` profiles (OpenStreetMap's `highway`, `foot`, `access`, `oneway`,
//! `maxspeed` and `junction` tags; a line layer's properties of the same names).
//!
//! | highway | walk | drive km/h |
//! | --- | --- | --- |
//! | motorway, motorway_link | no | 112, 64 (one way unless tagged otherwise) |
//! | trunk, trunk_link | only with a `sidewalk` or `foot=yes` (with `walk_trunk`: unless `sidewalk=no\|none\|separate`) | 96, 64 |
//! | primary, primary_link | yes | 80, 64 |
//! | secondary, secondary_link | yes | 64, 48 |
//! | tertiary, tertiary_link | yes | 48, 40 |
//! | unclassified, road | yes | 40, 32 |
//! | residential | yes | 32 |
//! | living_street | yes | 16 |
//! | service | yes | 16 |
//! | track | yes | 16 |
//! | pedestrian, footway, path, steps, cycleway, bridleway, corridor, crossing, platform | yes | no |
//!
//! Both profiles leave out ways tagged `access=no|private` (unless `foot=yes|designated|permissive`
//! for walking, or `motor_vehicle`/`motorcar=yes|designated|destination` for driving), `foot=no`
//! (walking) and `motor_vehicle`/`motorcar=no` (driving), and `area=yes` ways other than
//! pedestrian areas, whose outlines are walked. A tagged `maxspeed` (km/h, or `mph`, or the UK
//! national limits `GB:nsl_single`/`GB:nsl_dual`/`GB:motorway`) replaces the class speed when
//! lower than 130 km/h. Walking ignores `oneway`; driving follows `oneway=yes|true|1|-1|reverse`
//! and `junction=roundabout|circular`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A travel profile.
pub use lacuna_core::network::Profile;

/// Speeds of a network (`walk_kmh`, `[network.drive_kmh]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Speeds {
    /// Walking speed, km/h (default 4.8, the Department for Transport's journey time
    /// statistics' 80 m a minute).
    pub walk_kmh: f64,
    /// Driving speed by highway class, km/h, replacing the defaults of the table above.
    pub drive_kmh: BTreeMap<String, f64>,
    /// Walk trunk roads whose pavements are not tagged: many British towns' A roads have
    /// pavements that OpenStreetMap does not record as `sidewalk`, and leaving them out cuts
    /// off the streets behind them. Still not where `sidewalk=no|none|separate` (a separate
    /// footway is walked instead).
    pub walk_trunk: bool,
}

impl Default for Speeds {
    fn default() -> Self {
        Speeds {
            walk_kmh: 4.8,
            drive_kmh: BTreeMap::new(),
            walk_trunk: false,
        }
    }
}

/// How a profile may use a way: speed (metres per second) and the allowed directions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Use {
    /// Metres per second.
    pub speed: f64,
    /// Along the way's node order.
    pub forward: bool,
    /// Against it.
    pub backward: bool,
}

const DRIVE_KMH: [(&str, f64); 19] = [
    ("motorway", 112.0),
    ("motorway_link", 64.0),
    ("trunk", 96.0),
    ("trunk_link", 64.0),
    ("primary", 80.0),
    ("primary_link", 64.0),
    ("secondary", 64.0),
    ("secondary_link", 48.0),
    ("tertiary", 48.0),
    ("tertiary_link", 40.0),
    ("unclassified", 40.0),
    ("road", 32.0),
    ("residential", 32.0),
    ("living_street", 16.0),
    ("service", 16.0),
    ("track", 16.0),
    ("busway", 0.0),
    ("bus_guideway", 0.0),
    ("raceway", 0.0),
];

const WALK_ONLY: [&str; 9] = [
    "pedestrian",
    "footway",
    "path",
    "steps",
    "cycleway",
    "bridleway",
    "corridor",
    "crossing",
    "platform",
];

fn is(v: Option<&str>, any: &[&str]) -> bool {
    v.is_some_and(|v| any.contains(&v))
}

/// How `profile` may use a way with tags `tag` (None: not at all).
pub fn way_use(
    profile: Profile,
    tag: &dyn Fn(&str) -> Option<String>,
    speeds: &Speeds,
) -> Option<Use> {
    let highway = tag("highway")?;
    let h = highway.as_str();
    let access = tag("access");
    let area = tag("area");
    if is(area.as_deref(), &["yes"]) && h != "pedestrian" {
        return None;
    }
    match profile {
        Profile::Walk => {
            let foot = tag("foot");
            let foot_yes = is(foot.as_deref(), &["yes", "designated", "permissive"]);
            if is(foot.as_deref(), &["no"])
                || (is(access.as_deref(), &["no", "private"]) && !foot_yes)
            {
                return None;
            }
            let ok = match h {
                "motorway" | "motorway_link" => foot_yes,
                "trunk" | "trunk_link" => {
                    let sidewalk = tag("sidewalk");
                    let none = is(sidewalk.as_deref(), &["no", "none", "separate"]);
                    foot_yes || (!none && (sidewalk.is_some() || speeds.walk_trunk))
                }
                _ => WALK_ONLY.contains(&h) || DRIVE_KMH.iter().any(|(k, v)| *k == h && *v > 0.0),
            };
            ok.then_some(Use {
                speed: speeds.walk_kmh / 3.6,
                forward: true,
                backward: true,
            })
        }
        Profile::Drive => {
            let class = speeds
                .drive_kmh
                .get(h)
                .copied()
                .or_else(|| DRIVE_KMH.iter().find(|(k, _)| *k == h).map(|(_, v)| *v))
                .filter(|v| *v > 0.0)?;
            let motor = tag("motor_vehicle").or_else(|| tag("motorcar"));
            let motor_yes = is(
                motor.as_deref(),
                &["yes", "designated", "destination", "permissive"],
            );
            if is(motor.as_deref(), &["no", "private"])
                || (is(access.as_deref(), &["no", "private"]) && !motor_yes)
            {
                return None;
            }
            let kmh = tag("maxspeed")
                .and_then(|m| maxspeed_kmh(&m))
                .map_or(class, |m| m.min(130.0));
            let oneway = tag("oneway");
            let roundabout = is(tag("junction").as_deref(), &["roundabout", "circular"]);
            let (forward, backward) = match oneway.as_deref() {
                Some("yes" | "true" | "1") => (true, false),
                Some("-1" | "reverse") => (false, true),
                Some("no" | "false" | "0") => (true, true),
                _ if roundabout || h == "motorway" => (true, false),
                _ => (true, true),
            };
            Some(Use {
                speed: kmh / 3.6,
                forward,
                backward,
            })
        }
    }
}

/// A `maxspeed` value in km/h: "50", "30 mph", "GB:nsl_single" (None: unreadable or "none").
pub fn maxspeed_kmh(v: &str) -> Option<f64> {
    const MPH: f64 = 1.609344;
    match v.trim() {
        "GB:nsl_single" | "UK:nsl_single" => return Some(60.0 * MPH),
        "GB:nsl_dual" | "UK:nsl_dual" | "GB:motorway" | "UK:motorway" => return Some(70.0 * MPH),
        _ => {}
    }
    let v = v.trim().to_ascii_lowercase();
    let (num, mph) = match v.strip_suffix("mph") {
        Some(n) => (n.trim(), true),
        None => (v.trim_end_matches("km/h").trim(), false),
    };
    let n: f64 = num.parse().ok().filter(|n: &f64| *n > 0.0)?;
    Some(if mph { n * MPH } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags<'a>(kv: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| kv.iter().find(|(a, _)| *a == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn walking_keeps_footways_and_leaves_motorways() {
        let s = Speeds::default();
        let walk = |kv: &[(&str, &str)]| way_use(Profile::Walk, &tags(kv), &s);
        assert!(walk(&[("highway", "footway")]).is_some());
        assert!(walk(&[("highway", "steps")]).is_some());
        assert!(
            walk(&[("highway", "residential"), ("oneway", "yes")])
                .unwrap()
                .backward
        );
        assert!(walk(&[("highway", "motorway")]).is_none());
        assert!(walk(&[("highway", "trunk")]).is_none());
        assert!(walk(&[("highway", "trunk"), ("sidewalk", "both")]).is_some());
        assert!(walk(&[("highway", "trunk"), ("sidewalk", "separate")]).is_none());
        let towns = Speeds {
            walk_trunk: true,
            ..Speeds::default()
        };
        let walk_trunk = |kv: &[(&str, &str)]| way_use(Profile::Walk, &tags(kv), &towns);
        assert!(walk_trunk(&[("highway", "trunk")]).is_some());
        assert!(walk_trunk(&[("highway", "trunk_link")]).is_some());
        assert!(walk_trunk(&[("highway", "trunk"), ("sidewalk", "separate")]).is_none());
        assert!(walk_trunk(&[("highway", "trunk"), ("sidewalk", "no")]).is_none());
        assert!(walk_trunk(&[("highway", "trunk"), ("foot", "no")]).is_none());
        assert!(walk_trunk(&[("highway", "motorway")]).is_none());
        assert!(walk(&[("highway", "service"), ("access", "private")]).is_none());
        assert!(walk(&[
            ("highway", "service"),
            ("access", "private"),
            ("foot", "yes")
        ])
        .is_some());
        assert!(walk(&[("building", "yes")]).is_none());
        assert!((walk(&[("highway", "path")]).unwrap().speed - 4.8 / 3.6).abs() < 1e-12);
    }

    #[test]
    fn driving_follows_one_way_streets_and_speed_limits() {
        let s = Speeds::default();
        let drive = |kv: &[(&str, &str)]| way_use(Profile::Drive, &tags(kv), &s);
        assert!(drive(&[("highway", "footway")]).is_none());
        let one = drive(&[("highway", "residential"), ("oneway", "yes")]).unwrap();
        assert_eq!((one.forward, one.backward), (true, false));
        let rev = drive(&[("highway", "residential"), ("oneway", "-1")]).unwrap();
        assert_eq!((rev.forward, rev.backward), (false, true));
        let rb = drive(&[("highway", "primary"), ("junction", "roundabout")]).unwrap();
        assert_eq!((rb.forward, rb.backward), (true, false));
        let limited = drive(&[("highway", "primary"), ("maxspeed", "30 mph")]).unwrap();
        assert!((limited.speed * 3.6 - 48.28032).abs() < 1e-9);
        assert!((drive(&[("highway", "residential")]).unwrap().speed * 3.6 - 32.0).abs() < 1e-9);
        let custom = Speeds {
            drive_kmh: [("residential".to_string(), 20.0)].into(),
            ..Speeds::default()
        };
        let r = way_use(
            Profile::Drive,
            &tags(&[("highway", "residential")]),
            &custom,
        )
        .unwrap();
        assert!((r.speed * 3.6 - 20.0).abs() < 1e-9);
        assert_eq!(maxspeed_kmh("none"), None);
        assert_eq!(maxspeed_kmh("50"), Some(50.0));
    }
}
