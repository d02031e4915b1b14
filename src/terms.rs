//! Words as numbers. Every distinct content word of the corpus gets an id, in order of first appearance, and
//! each article keeps only its words' ids and counts (its bag of words). A word held as a `String` per
//! occurrence took about 40 bytes; a bag entry takes 8 bytes per distinct word of an article.

use rustc_hash::FxHashMap;

/// The distinct words of a corpus and their ids.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: Vec<String>,
    /// Words of up to 15 bytes (nearly all: five Chinese characters) by their bytes packed in a number, so
    /// that the lookup of every word of the corpus hashes and compares one integer.
    short: PackedTable,
    long: FxHashMap<String, u32>,
}

/// Ids by packed word, open addressing with linear probing at most half full: a word and its id share a
/// cache line, so that a look-up misses the cache once where a `HashMap` (control bytes, then the entry)
/// missed it twice (on news_34k the look-ups took 28 % less processor time). Key 0 marks an empty slot
/// (see [`packed`]).
#[derive(Debug, Clone, Default)]
struct PackedTable {
    slots: Vec<(u128, u32)>,
    len: usize,
}

impl PackedTable {
    /// The home slot of a key: its two halves mixed, then Fibonacci hashing (the top bits of a product).
    fn slot(&self, key: u128) -> usize {
        let mixed = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        let bits = self.slots.len().trailing_zeros();
        (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    fn get(&self, key: u128) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        loop {
            let (k, id) = self.slots[i];
            if k == key {
                return Some(id);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds a key that is not in the table yet.
    fn insert_new(&mut self, key: u128, id: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(1024);
            let old = std::mem::replace(&mut self.slots, vec![(0, 0); size]);
            self.len = 0;
            for (k, id) in old.into_iter().filter(|&(k, _)| k != 0) {
                self.insert_new(k, id);
            }
        }
        let mask = self.slots.len() - 1;
        let mut i = self.slot(key);
        while self.slots[i].0 != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, id);
        self.len += 1;
    }
}

/// Ids stay below this, so that the bit above them is free to mark a word not interned yet (see `corpus`).
pub const MAX_WORDS: u32 = 1 << 31;

/// A word of up to 15 bytes as one number: its bytes, then its length plus one in the top byte (so that no
/// word, not even the empty one, packs to 0). Put together from two loads that may overlap (overlapping
/// bytes are the same bytes, so or-ing them is exact), not copied into a buffer on the stack: reading that
/// buffer back as a number waited for the copy to land, a quarter of the look-up's time on news_34k.
fn packed(word: &str) -> Option<u128> {
    let b = word.as_bytes();
    let n = b.len();
    let le32 = |at: usize| {
        u64::from(u32::from_le_bytes(
            b[at..at + 4].try_into().expect("4 bytes"),
        ))
    };
    let le64 = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let (low, high) = match n {
        0..4 => (b.iter().rev().fold(0, |x, &c| x << 8 | u64::from(c)), 0),
        4..8 => (le32(0) | le32(n - 4) << (8 * (n - 4)), 0),
        8..16 => (
            le64(0),
            le64(n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0),
        ),
        _ => return None,
    };
    let high = high | (n as u64 + 1) << 56;
    Some(u128::from(low) | u128::from(high) << 64)
}

impl Vocabulary {
    /// The id of a word, adding it if it is new.
    pub fn intern(&mut self, word: &str) -> u32 {
        if let Some(id) = self.get(word) {
            return id;
        }
        let id = u32::try_from(self.words.len())
            .ok()
            .filter(|&id| id < MAX_WORDS)
            .expect("fewer than 2^31 distinct words");
        self.words.push(word.to_owned());
        match packed(word) {
            Some(key) => self.short.insert_new(key, id),
            None => {
                self.long.insert(word.to_owned(), id);
            }
        };
        id
    }

    pub fn get(&self, word: &str) -> Option<u32> {
        match packed(word) {
            Some(key) => self.short.get(key),
            None => self.long.get(word).copied(),
        }
    }

    pub fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// A document's words interned and counted: its bag of ids, sorted by id.
    pub fn bag<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) -> Vec<(u32, u32)> {
        count_ids(words.into_iter().map(|w| self.intern(w)).collect())
    }
}

/// A document's word ids with their counts, sorted by id. Ids at or above [`MAX_WORDS`] (words not interned
/// yet, see `corpus`) come after the others, as any id of theirs is larger.
pub fn count_ids(mut ids: Vec<u32>) -> Vec<(u32, u32)> {
    if ids.len() < RADIX_FROM {
        ids.sort_unstable();
    } else {
        radix_sort(&mut ids);
    }
    let mut bag = Vec::with_capacity(ids.len());
    bag.extend(
        ids.chunk_by(|a, b| a == b)
            .map(|run| (run[0], run.len() as u32)),
    );
    bag
}

/// Ids below this many are sorted by comparisons: a radix sort's tables cost more than it saves there.
const RADIX_FROM: usize = 48;
/// Bits of an id sorted at once by [`radix_sort`]: two such digits hold the ids of 262,144 words.
const DIGIT: u32 = 9;

/// Sorts ids by two digits of [`DIGIT`] bits, the lower first; by comparisons where an id is larger than
/// two digits hold, and for the few ids at or above [`MAX_WORDS`], which go after the others. An article's
/// bag is sorted for every article: by comparisons it took two thirds of the counting, 43 of 69 ms of one core
/// over news_34k, where counting this way takes 51 in all.
fn radix_sort(ids: &mut [u32]) {
    // The ids not interned yet to the end, each side in no order yet.
    let mut known = ids.len();
    let mut at = 0;
    while at < known {
        if ids[at] < MAX_WORDS {
            at += 1;
        } else {
            known -= 1;
            ids.swap(at, known);
        }
    }
    let (ids, new) = ids.split_at_mut(known);
    new.sort_unstable();
    const BUCKETS: usize = 1 << DIGIT;
    let (mut low, mut high) = ([0u32; BUCKETS], [0u32; BUCKETS]);
    let mut all = 0;
    for &id in ids.iter() {
        low[id as usize % BUCKETS] += 1;
        high[(id >> DIGIT) as usize % BUCKETS] += 1;
        all |= id;
    }
    if all >> (2 * DIGIT) != 0 {
        ids.sort_unstable();
        return;
    }
    let mut other = vec![0u32; ids.len()];
    scatter(ids, &mut other, &mut low, |id| id as usize % BUCKETS);
    scatter(&other, ids, &mut high, |id| (id >> DIGIT) as usize);
}

/// Moves `from` into `to` in the order of their buckets (a counting sort's second half; `counts` holds each
/// bucket's count and is used up).
fn scatter(from: &[u32], to: &mut [u32], counts: &mut [u32], bucket: impl Fn(u32) -> usize) {
    let mut at = 0;
    for count in counts.iter_mut() {
        (*count, at) = (at, at + *count);
    }
    for &id in from {
        let place = &mut counts[bucket(id)];
        to[*place as usize] = id;
        *place += 1;
    }
}

/// Bags of words of many documents, stored flat like the rows of a sparse matrix: document `i` holds
/// `terms[offsets[i]..offsets[i + 1]]` (sorted ids) with their `counts`. Counts are 16-bit (a word said more
/// than 65,535 times in one article counts 65,535), so an entry takes 6 bytes.
#[derive(Debug, Clone)]
pub struct Bags {
    offsets: Vec<usize>,
    terms: Vec<u32>,
    counts: Vec<u16>,
}

impl Default for Bags {
    fn default() -> Self {
        Bags {
            offsets: vec![0],
            terms: Vec::new(),
            counts: Vec::new(),
        }
    }
}

impl Bags {
    /// Adds a document; `bag` is sorted by id with each id once.
    pub fn push(&mut self, bag: &[(u32, u32)]) {
        debug_assert!(bag.windows(2).all(|w| w[0].0 < w[1].0));
        self.terms.extend(bag.iter().map(|&(t, _)| t));
        self.counts.extend(
            bag.iter()
                .map(|&(_, c)| u16::try_from(c).unwrap_or(u16::MAX)),
        );
        self.offsets.push(self.terms.len());
    }

    /// Room for `docs` more documents, with as many words each as the documents so far have on average,
    /// and a quarter more.
    pub fn reserve(&mut self, docs: usize) {
        let per_doc = self.terms.len().div_ceil(self.len().max(1));
        let words = docs * per_doc + docs * per_doc / 4;
        self.terms.reserve(words);
        self.counts.reserve(words);
        self.offsets.reserve(docs);
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The (id, count) pairs of document `i`, by id.
    pub fn doc(&self, i: usize) -> impl Iterator<Item = (u32, u32)> + '_ {
        let range = self.offsets[i]..self.offsets[i + 1];
        self.terms[range.clone()]
            .iter()
            .copied()
            .zip(self.counts[range].iter().map(|&c| u32::from(c)))
    }

    /// The distinct word ids of document `i`, sorted.
    pub fn terms(&self, i: usize) -> &[u32] {
        &self.terms[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The bags of some documents, in the order given.
    pub fn select(&self, rows: &[usize]) -> Bags {
        let mut out = Bags::default();
        for &i in rows {
            out.push(&self.doc(i).collect::<Vec<_>>());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of every length is the word's bytes with its length plus one in the top byte.
    #[test]
    fn packed_keys_are_the_bytes_and_the_length() {
        let text = "党建引领基层治理,非遗传承 ab\u{0}c新时代文明实践中心建设";
        for start in text.char_indices().map(|(i, _)| i) {
            for end in (start..=text.len()).filter(|&e| text.is_char_boundary(e)) {
                let word = &text[start..end];
                let expected = (word.len() < 16).then(|| {
                    let mut key = [0u8; 16];
                    key[..word.len()].copy_from_slice(word.as_bytes());
                    key[15] = word.len() as u8 + 1;
                    u128::from_le_bytes(key)
                });
                assert_eq!(packed(word), expected, "{word:?}");
            }
        }
    }

    /// Short words are keyed by their packed bytes, longer ones by their text: both kinds, and words that
    /// differ only in a trailing NUL, keep their own ids.
    #[test]
    fn short_and_long_words_keep_their_ids() {
        let mut v = Vocabulary::default();
        let words = [
            "养老",
            "党建引领基层",
            "中华人民共和国",
            "a",
            "a\0",
            "",
            "非遗传承人",
        ];
        let ids: Vec<u32> = words.iter().map(|w| v.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 5, 6]);
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(v.get(w), Some(*id), "{w:?}");
            assert_eq!(v.intern(w), *id);
            assert_eq!(v.word(*id), *w);
        }
        assert_eq!(v.get("党建引领"), None);
        assert_eq!(v.len(), words.len());
    }

    /// Bags counted through the radix sort are those of sorting by comparisons: small and large ids, ids not
    /// interned yet (at or above `MAX_WORDS`) among them, short and long documents.
    #[test]
    fn counted_bags_are_those_of_a_comparison_sort() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256Plus::seed_from_u64(9);
        let by_comparison = |ids: &[u32]| {
            let mut sorted = ids.to_vec();
            sorted.sort_unstable();
            let mut bag: Vec<(u32, u32)> = Vec::new();
            for id in sorted {
                match bag.last_mut() {
                    Some((last, c)) if *last == id => *c += 1,
                    _ => bag.push((id, 1)),
                }
            }
            bag
        };
        for case in 0..2_000 {
            let len = rng.gen_range(0..600);
            let top = [10, 300, 90_000, 1 << 20, MAX_WORDS - 1][case % 5];
            let ids: Vec<u32> = (0..len)
                .map(|_| match rng.gen_range(0..10) {
                    0 => MAX_WORDS | rng.gen_range(0..40),
                    _ => rng.gen_range(0..=top),
                })
                .collect();
            assert_eq!(count_ids(ids.clone()), by_comparison(&ids), "{ids:?}");
        }
    }

    /// The packed-word table keeps every id as it grows from empty through several doublings.
    #[test]
    fn ids_survive_the_table_growing() {
        let mut v = Vocabulary::default();
        let words: Vec<String> = (0..20_000).map(|i| format!("词{i}")).collect();
        for (i, w) in words.iter().enumerate() {
            assert_eq!(v.intern(w), i as u32);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(v.get(w), Some(i as u32), "{w}");
        }
        assert_eq!(v.get("词20000"), None);
        assert_eq!(v.get(""), None);
    }
}
