//! TEMPORARY tuning harness (to be deleted).
use std::collections::HashMap;
use stoa_domain::search::{analyze, Bm25, Corpus, DocTerms, Fields};
use stoa_eval::semeval::{self, *};

#[derive(Clone, Copy, Debug)]
struct P { tw: f64, aw: f64, k1: f64, b: f64, qtw: f64, k3: f64 }

fn qterms(p: &P, s: &str, b: &str) -> Vec<(String, f64)> {
    let mut raw: Vec<(String, f64)> = Vec::new();
    let mut add = |t: String, w: f64| match raw.iter_mut().find(|(x, _)| *x == t) { Some((_, a)) => *a += w, None => raw.push((t, w)) };
    for t in analyze(s) { add(t, p.qtw); }
    for t in analyze(b) { add(t, 1.0); }
    raw.into_iter().map(|(t, q)| { let w = if p.k3.is_infinite() { q } else { (p.k3 + 1.0) * q / (p.k3 + q) }; (t, w) }).collect()
}

fn eval(ds: &Dataset, p: &P, docs: &[(&RelatedQuestion, DocTerms)], corpus: &Corpus, which: Option<usize>) -> (f64, f64) {
    let stats = corpus.stats();
    let idx: HashMap<&str, usize> = docs.iter().enumerate().map(|(i, (r, _))| (r.site_id.as_str(), i)).collect();
    let bm = Bm25 { k1: p.k1, b: p.b };
    let w = Fields { title: p.tw, body: 1.0, answers: p.aw };
    let mut lists = Vec::new();
    let mut ret = Vec::new();
    for (oi, o) in ds.originals.iter().enumerate() {
        if let Some(m) = which { if oi % 2 != m { continue; } }
        let q = qterms(p, &o.subject, &o.body);
        let score = |i: usize| bm.score_doc(&q, &docs[i].1, &stats, &w, |t| corpus.df(t));
        let mut sc: Vec<(f64, bool)> = o.related.iter().map(|r| (score(idx[r.site_id.as_str()]), r.relevance.is_relevant())).collect();
        sc.sort_by(|a, b| b.0.total_cmp(&a.0));
        lists.push(sc.iter().map(|x| x.1).collect::<Vec<_>>());
        // retrieve
        let rel = ds.relevant_site_ids(o);
        let mut all: Vec<(f64, &str)> = (0..docs.len()).map(|i| (score(i), docs[i].0.site_id.as_str())).collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        let ranked: Vec<bool> = all.iter().take(10).map(|x| rel.contains(x.1)).collect();
        ret.push(average_precision(&ranked, 10));
    }
    (rerank_metrics(&lists).map, ret.iter().sum::<f64>() / ret.len() as f64)
}

#[test]
#[ignore]
fn tune() {
    let ds = semeval::load("/work/shared/data/semeval2016-cqa/SemEval2016-Task3-CQA-QL-train-part2.xml").unwrap();
    let site = ds.site();
    let docs: Vec<(&RelatedQuestion, DocTerms)> = site.iter().map(|r| (*r, DocTerms::from_text(&r.subject, &r.body, &r.answers_text()))).collect();
    let corpus = Corpus::new(docs.iter().map(|d| &d.1));
    let base = P { tw: 2.5, aw: 0.2, k1: 1.2, b: 0.75, qtw: 2.0, k3: 1.5 };
    let show = |name: &str, p: P| {
        let (a, r) = eval(&ds, &p, &docs, &corpus, None);
        let (a0, _) = eval(&ds, &p, &docs, &corpus, Some(0));
        let (a1, _) = eval(&ds, &p, &docs, &corpus, Some(1));
        println!("{name:<14} rerank {a:.4} (even {a0:.4} odd {a1:.4}) retrieve {r:.4}");
    };
    show("base", base);
    for tw in [1.0, 1.5, 2.0, 3.0, 4.0, 6.0] { show(&format!("tw={tw}"), P { tw, ..base }); }
    for aw in [0.0, 0.05, 0.1, 0.3, 0.5, 1.0] { show(&format!("aw={aw}"), P { aw, ..base }); }
    for k1 in [0.5, 0.8, 1.6, 2.0, 3.0] { show(&format!("k1={k1}"), P { k1, ..base }); }
    for b in [0.3, 0.5, 0.6, 0.9, 1.0] { show(&format!("b={b}"), P { b, ..base }); }
    for qtw in [1.0, 1.5, 3.0, 4.0] { show(&format!("qtw={qtw}"), P { qtw, ..base }); }
    for k3 in [0.5, 1.0, 3.0, 8.0, f64::INFINITY] { show(&format!("k3={k3}"), P { k3, ..base }); }
}
