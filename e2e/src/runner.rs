//! Runs scenarios one after another, prints one line each with its time, and ends with a libtest
//! `test result:` line so `cargo xtask test` can count them.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

pub type ScenarioResult = Result<(), String>;
pub type Scenario<'a, C> = fn(&'a C) -> Pin<Box<dyn Future<Output = ScenarioResult> + 'a>>;

pub async fn run_all<'a, C>(context: &'a C, scenarios: &[(&str, Scenario<'a, C>)]) -> bool {
    let (mut passed, mut failed) = (0, 0);
    let started = Instant::now();
    for (name, scenario) in scenarios {
        let began = Instant::now();
        let outcome = scenario(context).await;
        let seconds = began.elapsed().as_secs_f64();
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("scenario {name} ... ok ({seconds:.1} s)");
            }
            Err(why) => {
                failed += 1;
                println!("scenario {name} ... FAILED ({seconds:.1} s): {why}");
            }
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "test result: {verdict}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s",
        started.elapsed().as_secs_f64()
    );
    failed == 0
}
