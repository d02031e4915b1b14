//! The five bundled seed pages, embedded so that `analyze topics` works from any directory.

use crate::read::{push_page, Input};

pub const SEEDS: [(&str, &str); 5] = [
    (
        "seeds/000_741fc0305083c170.txt",
        include_str!("../seeds/000_741fc0305083c170.txt"),
    ),
    (
        "seeds/001_1e1be208c4a694e1.txt",
        include_str!("../seeds/001_1e1be208c4a694e1.txt"),
    ),
    (
        "seeds/002_349b83f5d47ec507.txt",
        include_str!("../seeds/002_349b83f5d47ec507.txt"),
    ),
    (
        "seeds/003_10174769722c7e51.txt",
        include_str!("../seeds/003_10174769722c7e51.txt"),
    ),
    (
        "seeds/004_3faea80900f34bc7.txt",
        include_str!("../seeds/004_3faea80900f34bc7.txt"),
    ),
];

/// The seed pages as if read from `seeds/`.
pub fn seed_input() -> Input {
    let mut input = Input::default();
    for (name, text) in SEEDS {
        input.files.push(name.to_string());
        push_page(name.to_string(), text.to_string(), &mut input);
    }
    input
}
