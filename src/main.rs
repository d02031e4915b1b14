//! The `analyze` command line: a thin layer over the library.

use analyze::charts::{self, Formats};
use analyze::cluster::KChoice;
use analyze::compare::CompareOptions;
use analyze::dates::Period;
use analyze::keywords::{GroupBy, Method};
use analyze::topics::TopicsOptions;
use analyze::{corpus, html, keywords, output, topics, Error};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc rather than the system's allocator: a run frees and takes again a chunk's worth of texts and words
/// several times a second, which glibc's allocator gave back to the system and took again with a page fault
/// every 4 KB. On news_34k mimalloc took about a tenth off the whole run (see the README's performance section);
/// keeping freed memory (`allocator::keep_freed_memory`) took off about as much again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Themes, keywords and county comparison for Chinese news.
#[derive(Parser)]
#[command(name = "analyze", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find the themes of the articles, their keywords and counties; write topics.json, CSV tables, charts
    /// and the HTML report.
    #[command(visible_alias = "report")]
    Topics(TopicsArgs),
    /// Print keywords computed against the corpus, for the corpus, each article, cluster or county.
    Keywords(KeywordsArgs),
    /// Score the clusters against gold labels (NMI, ARI, V-measure, purity) over several seeds.
    Evaluate(EvaluateArgs),
    /// Compare groups (counties, sources, any field): theme shares with intervals and a test, distinctive
    /// words, and trends per period; writes everything `topics` writes plus compare.json and its charts.
    Compare(CompareArgs),
    /// Keyword in context: every occurrence of some words with the text around it, or how many articles of
    /// each county, source or period use them.
    #[command(visible_alias = "concordance")]
    Kwic(KwicArgs),
}

#[derive(Args)]
struct KwicArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A word to find, as written (养老 also in 养老院); may be repeated or comma-separated: -w 非遗,养老.
    #[arg(
        long = "word",
        short = 'w',
        value_name = "WORD",
        value_delimiter = ',',
        required = true
    )]
    words: Vec<String>,
    /// Characters of context on each side.
    #[arg(long, default_value_t = 20)]
    width: usize,
    /// Only where jieba's segmentation puts a word boundary on both sides (养老 then misses 养老院).
    #[arg(long)]
    whole_words: bool,
    /// Order of the hits: as read, or by the words after (right) or before (left) the word found.
    #[arg(long, value_enum, default_value_t)]
    sort: analyze::concordance::SortBy,
    /// Instead of the hits, count articles and hits per county, province, city, source or any metadata
    /// field.
    #[arg(long)]
    by: Option<String>,
    /// Instead of the hits, count per calendar period of the articles' dates (with --by: per group and
    /// period).
    #[arg(long, value_enum)]
    period: Option<Period>,
    /// How to print: text (aligned on the word), csv or jsonl.
    #[arg(long, value_enum, default_value_t)]
    format: analyze::concordance::Format,
    /// Also draw the share of articles using each word, per period (with --period) or per group, into FILE
    /// (.svg or .png).
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    #[command(flatten)]
    dictionary: DictionaryArgs,
    /// Print nothing on stderr but errors (the summary of what was searched and skipped is left out).
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    topics: TopicsArgs,
    /// What to group by: county, province, city, source, theme, or any metadata field of the records.
    #[arg(long, default_value = "county")]
    by: String,
    /// Only these groups, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    groups: Vec<String>,
    /// Calendar period for trends.
    #[arg(long, value_enum)]
    period: Option<Period>,
    /// Distinctive words per group.
    #[arg(long, default_value_t = 15)]
    top_words: usize,
}

#[derive(Args)]
struct EvaluateArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The record field that holds the gold label.
    #[arg(long, default_value = "label")]
    label_field: String,
    /// Seeds to run: a range START..END (END excluded) or a list 1,2,3.
    #[arg(long, default_value = "0..5", value_parser = parse_seeds)]
    seeds: Seeds,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct InputArgs {
    /// Files or directories of .txt newspaper pages, or .jsonl, .json, .csv or spreadsheet (.xlsx, .xls,
    /// .ods) records, compressed or not (.jsonl.gz, .csv.zst); `-` reads standard input. None: the bundled
    /// seed pages.
    inputs: Vec<PathBuf>,
    /// Sidecar manifest for .txt pages (CSV with a `file` column, or TOML [[page]] tables) giving date,
    /// source, county.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Treat any skipped record (empty, undecodable, cut off, duplicate, no content words) as an error.
    #[arg(long)]
    strict: bool,
    /// Decode input with this encoding (utf-8, gb18030, gbk, big5, utf-16le …) instead of detecting it.
    #[arg(long)]
    encoding: Option<String>,
    /// Read FIELD (text, title, id, date, county, source or any other) from the CSV or spreadsheet column
    /// or JSON key COLUMN, e.g. --field text=正文 --field date=发布时间; may be repeated.
    #[arg(long = "field", value_name = "FIELD=COLUMN", value_parser = parse_field)]
    fields: Vec<(String, String)>,
    /// Date for every .txt page the manifest leaves undated (2025-10-01, 20251001, 2025/10/1, 2025年10月1日).
    #[arg(long)]
    date: Option<String>,
    /// What a .txt file holds: a newspaper page, split into its articles, or one article (its first line the
    /// title when it reads as one), as scraped articles are often saved.
    #[arg(long, value_enum, default_value_t = analyze::read::TxtFile::Page)]
    txt: analyze::read::TxtFile,
    /// What standard input (`-`) holds. Default: JSONL, or JSON when it starts with `[` or with `{` alone on
    /// its line (pretty-printed objects, as `jq .` prints them).
    #[arg(long, value_enum, value_name = "KIND")]
    stdin_as: Option<analyze::read::InputKind>,
}

/// What jieba segments with besides its own dictionary.
#[derive(Args)]
struct DictionaryArgs {
    /// Extra user dictionary for jieba (lines: word [freq] [tag]); may be repeated.
    #[arg(long = "user-dict", value_name = "FILE")]
    user_dicts: Vec<PathBuf>,
    /// Let jieba's HMM guess words missing from its dictionary (person and village names, new words).
    #[arg(long)]
    hmm: bool,
}

#[derive(Args)]
struct CommonArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Number of themes, or `auto` to choose it by silhouette within --k-range.
    #[arg(short = 'k', long = "k", default_value = "auto", value_parser = parse_k)]
    k: KChoice,
    /// Range of k tried by `-k auto`, as MIN..MAX (inclusive). Default: from the number of lexicon themes
    /// to a third of the articles, at most 20.
    #[arg(long, value_parser = parse_range)]
    k_range: Option<(usize, usize)>,
    /// Seed for k-means and the SVD: the same seed gives byte-identical output.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// k-means runs from different starts; the best is kept. Default: 100,000 divided by the number of
    /// articles, from 3 to 200 (200 up to 500 articles, 20 at 5,000, 3 from 33,334).
    #[arg(long)]
    runs: Option<usize>,
    /// Dimensions the TF-IDF vectors are reduced to before clustering (LSA).
    #[arg(long, default_value_t = 100)]
    dims: usize,
    /// Words in fewer articles than this are dropped (default: adapts to corpus size).
    #[arg(long)]
    min_df: Option<usize>,
    /// Words in more than this share of articles are dropped (default: adapts to corpus size).
    #[arg(long)]
    max_df: Option<f64>,
    /// Extra stop words (one a line); may be repeated.
    #[arg(long = "stopwords", value_name = "FILE")]
    stopwords: Vec<PathBuf>,
    /// Keep place names as words (by default they are left out so that themes are not places).
    #[arg(long)]
    keep_places: bool,
    #[command(flatten)]
    dictionary: DictionaryArgs,
    /// Keep words of every part of speech (by default only content words: nouns, verbs, adjectives …).
    #[arg(long)]
    all_words: bool,
    /// Plain Euclidean k-means, without the spherical (cosine) refinement.
    #[arg(long)]
    euclidean: bool,
    /// Print the time each stage takes to stderr.
    #[arg(long)]
    timings: bool,
    /// Raw term counts instead of 1 + ln(tf).
    #[arg(long)]
    raw_tf: bool,
    /// Theme lexicon (TOML: [[theme]] id, label, seeds) that extends or replaces the built-in themes.
    #[arg(long, value_name = "FILE")]
    themes: Option<PathBuf>,
}

#[derive(Args)]
struct TopicsArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Folder for topics.json, articles.csv, clusters.csv and skipped.csv.
    #[arg(long, short = 'o', default_value = "reports")]
    out: PathBuf,
    /// Keywords per theme.
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// What to write besides the data files: any of svg, png, html (charts and the report page), parquet
    /// (articles.parquet, in builds with the `parquet` feature), or none.
    #[arg(long, default_value = "svg,png,html", value_parser = parse_formats)]
    format: OutputFormats,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Args)]
struct KeywordsArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// What to compute keywords for.
    #[arg(long, value_enum, default_value_t = GroupBy::Corpus)]
    by: GroupBy,
    /// Keywords per group.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// How keywords are scored.
    #[arg(long, value_enum, default_value_t = Method::Tfidf)]
    method: Method,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_field(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((field, column)) if !field.trim().is_empty() && !column.trim().is_empty() => {
            Ok((field.trim().to_string(), column.trim().to_string()))
        }
        _ => Err(format!(
            "`{s}` is not FIELD=COLUMN: write e.g. text=正文 to read the text from the column 正文"
        )),
    }
}

fn parse_k(s: &str) -> Result<KChoice, String> {
    s.parse()
}

/// What `topics` writes besides its data files.
#[derive(Clone, Copy)]
struct OutputFormats {
    charts: Formats,
    html: bool,
    parquet: bool,
}

fn parse_formats(s: &str) -> Result<OutputFormats, String> {
    let mut f = OutputFormats {
        charts: Formats::default(),
        html: false,
        parquet: false,
    };
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "svg" => f.charts.svg = true,
            "png" => f.charts.png = true,
            "html" => f.html = true,
            "parquet" if cfg!(feature = "parquet") => f.parquet = true,
            "parquet" => {
                return Err(
                    "this build of analyze has no Parquet support: install it with \
                    `cargo install --path . --features parquet`"
                        .into(),
                )
            }
            "none" => {}
            other => {
                return Err(format!(
                    "unknown format `{other}`: use svg, png, html, parquet or none, comma-separated"
                ))
            }
        }
    }
    Ok(f)
}

/// The seeds of `evaluate`, parsed as one value.
#[derive(Clone)]
struct Seeds(Vec<u64>);

fn parse_seeds(s: &str) -> Result<Seeds, String> {
    let bad = |x: &str| {
        format!("`{x}` is not a seed: give a range such as 0..10 or a list such as 1,2,3")
    };
    if let Some((a, b)) = s.split_once("..") {
        let a: u64 = a.trim().parse().map_err(|_| bad(s))?;
        let b: u64 = b.trim().parse().map_err(|_| bad(s))?;
        if b <= a {
            return Err(format!("the seed range {s} is empty"));
        }
        return Ok(Seeds((a..b).collect()));
    }
    s.split(',')
        .map(|x| x.trim().parse().map_err(|_| bad(x)))
        .collect::<Result<_, _>>()
        .map(Seeds)
}

fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let (a, b) = s
        .split_once("..=")
        .or_else(|| s.split_once(".."))
        .ok_or_else(|| format!("`{s}` is not a range: write it as MIN..MAX, e.g. 2..12"))?;
    let a: usize = a
        .trim()
        .parse()
        .map_err(|_| format!("`{a}` is not a whole number"))?;
    let b: usize = b
        .trim()
        .parse()
        .map_err(|_| format!("`{b}` is not a whole number"))?;
    if a < 2 || b < a {
        return Err(format!(
            "the range {a}..{b} must start at 2 or more and not end before it starts"
        ));
    }
    Ok((a, b))
}

impl InputArgs {
    fn options(&self) -> corpus::InputOptions {
        corpus::InputOptions {
            manifest: self.manifest.clone(),
            encoding: self.encoding.clone(),
            fields: self.fields.clone(),
            strict: self.strict,
            date: self.date.clone(),
            txt: self.txt,
            stdin_as: self.stdin_as,
            reports: None,
        }
    }
}

impl DictionaryArgs {
    fn options(&self) -> analyze::segment::SegmentOptions {
        analyze::segment::SegmentOptions {
            user_dicts: self.user_dicts.clone(),
            hmm: self.hmm,
            ..Default::default()
        }
    }
}

impl CommonArgs {
    fn options(&self, top: usize) -> TopicsOptions {
        if self.timings {
            analyze::timing::enable();
        }
        let mut o = TopicsOptions::new();
        o.inputs = self.input.inputs.clone();
        o.input = self.input.options();
        o.segment = self.dictionary.options();
        o.segment.stopword_files = self.stopwords.clone();
        o.segment.keep_places = self.keep_places;
        o.segment.all_words = self.all_words;
        o.tfidf.sublinear_tf = !self.raw_tf;
        o.tfidf.min_df = self.min_df;
        o.tfidf.max_df = self.max_df;
        o.cluster.k = match self.k {
            KChoice::Auto { .. } => match self.k_range {
                Some((min, max)) => KChoice::Auto { min, max },
                None => KChoice::Auto { min: 0, max: 0 },
            },
            fixed => fixed,
        };
        o.cluster.seed = self.seed;
        o.cluster.spherical = !self.euclidean;
        o.cluster.n_runs = self.runs.map_or(0, |r| r.max(1));
        o.cluster.dims = self.dims.max(2);
        o.themes_file = self.themes.clone();
        o.top_keywords = top.max(1);
        o
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Topics(args) => {
            analyze::progress::set_quiet(args.quiet);
            let mut options = args.common.options(args.top);
            options.input.reports = Some(args.out.clone());
            output::check_out_folder(&args.out)?;
            // `topics::run`, in its steps, so that the corpus is freed beside the writing of the reports.
            let lexicon = topics::lexicon(&options)?;
            let corpus = analyze::corpus::load(&options.inputs, &options.input, &options.segment)?;
            let report = topics::analyse(&corpus, &lexicon, &options)?;
            // Freed while the reports are written: at a million articles the corpus is 2 GB, and freeing it
            // one allocation at a time takes a while.
            let freeing = std::thread::spawn(move || drop(corpus));
            let mut written = analyze::progress::during("writing", || {
                analyze::timing::stage("write", || output::write_topics(&report, &args.out))
            })?;
            let f = args.format;
            #[cfg(feature = "parquet")]
            if f.parquet {
                written.push(analyze::parquet_export::write_articles(&report, &args.out)?);
            }
            if f.charts.svg || f.charts.png || f.html {
                let charts = charts::charts(&report)?;
                written.extend(charts::write_charts(
                    &charts,
                    &args.out.join("charts"),
                    f.charts,
                )?);
                if f.html {
                    written.push(html::write_report(
                        &report, &charts, None, &args.out, f.charts,
                    )?);
                }
            }
            if !args.quiet {
                print!("{}", output::summary(&report));
                let charts = written
                    .iter()
                    .filter(|p| p.starts_with(args.out.join("charts")))
                    .count();
                let names: Vec<String> = written
                    .iter()
                    .filter(|p| !p.starts_with(args.out.join("charts")))
                    .map(|p| p.display().to_string())
                    .collect();
                println!(
                    "\nWrote {} and {charts} chart files in {}",
                    names.join(", "),
                    args.out.join("charts").display()
                );
            }
            // The process ends here: its memory goes back to the system at once, whereas freeing the report
            // one allocation at a time took a tenth of a second on 34,000 articles.
            std::mem::forget(report);
            let _ = freeing.join();
        }
        Command::Keywords(args) => {
            let mut options = args.common.options(15);
            options.segment.keep_order = args.method == keywords::Method::Textrank;
            let corpus = corpus::load(&options.inputs, &options.input, &options.segment)?;
            let groups = keywords::keywords(&corpus, args.by, args.method, args.top, &options)?;
            if args.json {
                print!("{}", String::from_utf8_lossy(&output::json_bytes(&groups)));
            } else {
                print!("{}", keywords::render(&groups));
            }
        }
        Command::Evaluate(args) => evaluate(args)?,
        Command::Compare(args) => compare(args)?,
        Command::Kwic(args) => kwic(args)?,
    }
    Ok(())
}

fn compare(args: CompareArgs) -> Result<(), Error> {
    let t = &args.topics;
    analyze::progress::set_quiet(t.quiet);
    let mut options = t.common.options(t.top);
    options.input.reports = Some(t.out.clone());
    output::check_out_folder(&t.out)?;
    let lexicon = topics::lexicon(&options)?;
    let corpus = corpus::load(&options.inputs, &options.input, &options.segment)?;
    let report = topics::analyse(&corpus, &lexicon, &options)?;
    let compare_options = CompareOptions {
        by: args.by.clone(),
        groups: args.groups.clone(),
        period: args.period,
        top: args.top_words,
        seed: options.cluster.seed,
    };
    let comparison = analyze::compare::compare(&report, &corpus, &compare_options);
    if comparison.groups.is_empty() {
        return Err(Error::Usage(format!(
            "none of the groups {:?} occurs in `{}`",
            args.groups, args.by
        )));
    }
    let mut written = output::write_topics(&report, &t.out)?;
    written.extend(output::write_compare(
        &comparison,
        &t.out,
        &report.meta.inputs,
    )?);
    let f = t.format;
    if f.charts.svg || f.charts.png || f.html {
        let mut all = charts::charts(&report)?;
        all.extend(charts::compare_charts(&comparison, &report)?);
        written.extend(charts::write_charts(&all, &t.out.join("charts"), f.charts)?);
        if f.html {
            written.push(html::write_report(
                &report,
                &all,
                Some(&comparison),
                &t.out,
                f.charts,
            )?);
        }
    }
    if !t.quiet {
        print!("{}", analyze::compare::render(&comparison, &report));
        println!("\nWrote {} files in {}", written.len(), t.out.display());
    }
    Ok(())
}

fn kwic(args: KwicArgs) -> Result<(), Error> {
    use analyze::concordance::{self, SortBy};
    analyze::progress::set_quiet(args.quiet);
    let options = concordance::ConcordanceOptions {
        inputs: args.input.inputs.clone(),
        input: args.input.options(),
        terms: args.words.clone(),
        width: args.width.max(1),
        whole_words: args.whole_words,
        segment: args.dictionary.options(),
        by: args.by.clone(),
        period: args.period,
    };
    let chart_png = match args
        .chart
        .as_ref()
        .map(|p| p.extension().and_then(|e| e.to_str()))
    {
        None => false,
        Some(Some(e)) if e.eq_ignore_ascii_case("svg") => false,
        Some(Some(e)) if e.eq_ignore_ascii_case("png") => true,
        Some(_) => {
            return Err(Error::Usage(
                "--chart FILE: name an .svg or a .png file, e.g. --chart trend.png".into(),
            ))
        }
    };
    let counting = args.by.is_some() || args.period.is_some();
    let stdout = std::io::stdout();
    let mut out = concordance::Writer::new(
        std::io::BufWriter::new(stdout.lock()),
        args.format,
        options.width,
    );
    let mut held = Vec::new();
    let printed = concordance::search(&options, |hits| {
        match (counting, args.sort) {
            (true, _) => {}
            (false, SortBy::Input) => out.hits(&hits).map_err(stdout_error)?,
            (false, _) => held.extend(hits),
        }
        Ok(())
    })
    .and_then(|searched| {
        if !held.is_empty() {
            concordance::sort(&mut held, args.sort);
            out.hits(&held).map_err(stdout_error)?;
        }
        if counting {
            out.counts(&searched.counts).map_err(stdout_error)?;
        }
        out.flush().map_err(stdout_error)?;
        Ok(searched)
    });
    if let (Ok(searched), Some(path)) = (&printed, &args.chart) {
        let chart = charts::kwic_chart(&searched.counts, args.period)?;
        let bytes = match chart_png {
            true => charts::svg_to_png(&chart.svg)?,
            false => chart.svg.into_bytes(),
        };
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))?;
    }
    match printed {
        Ok(searched) if !args.quiet => {
            eprint!("{}", concordance::summary(&searched, &options.terms))
        }
        Ok(_) => {}
        // A reader that stopped early (`| head`) is not a failure.
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io("standard output", e)
}

fn evaluate(args: EvaluateArgs) -> Result<(), Error> {
    let options = args.common.options(15);
    let lexicon = topics::lexicon(&options)?;
    let corpus = corpus::load(&options.inputs, &options.input, &options.segment)?;
    let result = analyze::evaluate::evaluate(
        &corpus,
        &lexicon,
        &options,
        &args.label_field,
        &args.seeds.0,
    )?;
    if args.json {
        print!("{}", String::from_utf8_lossy(&output::json_bytes(&result)));
    } else {
        print!("{}", analyze::evaluate::render(&result));
    }
    Ok(())
}

fn main() -> ExitCode {
    analyze::allocator::keep_freed_memory();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
