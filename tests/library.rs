//! The library as a researcher calls it: a study built in memory with `Study::new` is the study
//! the loader builds, in the same order, with the same coverage.

use std::path::Path;

use lacuna_core::{coverage, Study};

#[test]
fn a_study_built_in_memory_is_the_loaded_study() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo/study.toml");
    let loaded = lacuna_io::load(&lacuna_io::StudySpec::from_toml_file(&path).unwrap()).unwrap();
    // The loader's areas and providers, reversed, so the order must come from Study::new.
    let mut areas = loaded.areas.clone();
    let mut providers = loaded.providers.clone();
    areas.reverse();
    providers.reverse();
    let points = loaded.points.clone().unwrap();
    let built = Study::new(areas, providers)
        .with_params(loaded.params.clone())
        .with_points(
            points
                .iter()
                .map(|p| lacuna_core::PopPoint { area: None, ..*p })
                .collect(),
        );
    let codes = |s: &Study| s.areas.iter().map(|a| a.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&built), codes(&loaded));
    let ids = |s: &Study| {
        s.providers
            .iter()
            .map(|p| (p.service_type.clone(), p.id.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&built), ids(&loaded));
    assert_eq!(built.service_types, loaded.service_types);
    // The demo's points name their ward; placed by location instead, each lands in it.
    let placed: Vec<Option<usize>> = built
        .points
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.area)
        .collect();
    let named: Vec<Option<usize>> = points.iter().map(|p| p.area).collect();
    assert_eq!(placed, named);
    assert_eq!(coverage(&built).rows, coverage(&loaded).rows);
}
