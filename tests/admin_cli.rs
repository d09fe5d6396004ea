//! `docent accounts`, `docent keys`, `docent tokens`: the admin commands run
//! as a process against a data directory, then checked through the store.

mod common;

use std::path::Path;

use common::{docent, stderr, stdout};
use docent::store::Store;

fn data_flag(dir: &Path) -> String {
    dir.join("data").display().to_string()
}

fn run(args: &[&str], data: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--data", data]);
    docent(&all)
}

fn store_at(data: &str) -> (tokio::runtime::Runtime, Store) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt
        .block_on(Store::open(&Path::new(data).join("docent.db")))
        .unwrap();
    (rt, store)
}

#[test]
fn import_reports_bad_rows_by_line_and_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_flag(dir.path());
    let csv = dir.path().join("accounts.csv");
    std::fs::write(
        &csv,
        "id,name,tier,arr,renewal_date,csm\n\
         acme,Acme Corp,high_touch,120000,2027-03-31,ann@example.com\n\
         globex,Globex,platinum,5000,,\n\
         initech,Initech,ai_assisted,\"4,500.50\",2027-13-01,\n\
         umbrella,Umbrella,ai_assisted,900,,bob@example.com\n",
    )
    .unwrap();

    let out = run(&["accounts", "import", csv.to_str().unwrap()], &data);
    assert!(!out.status.success(), "a refused row fails the command");
    let err = stderr(&out);
    assert!(err.contains("line 3:") && err.contains("platinum"), "{err}");
    assert!(
        err.contains("line 4:") && err.contains("2027-13-01"),
        "{err}"
    );
    assert!(
        !err.contains("line 2:") && !err.contains("line 5:"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("2 created, 0 updated, 0 unchanged; 2 refused"),
        "{}",
        stdout(&out)
    );

    // Importing again is idempotent; a changed row is an update.
    std::fs::write(
        &csv,
        "id,name,tier,arr,renewal_date,csm\n\
         acme,Acme Corp,high_touch,120000,2027-03-31,ann@example.com\n\
         umbrella,Umbrella Inc,ai_assisted,900,,bob@example.com\n",
    )
    .unwrap();
    let out = run(&["accounts", "import", csv.to_str().unwrap()], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 created, 1 updated, 1 unchanged; 0 refused"));

    let out = run(&["accounts", "list", "--json"], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids = common::strs(&list, "id");
    assert_eq!(ids, ["acme", "umbrella"]);
    assert_eq!(list[0]["tier"], "high_touch");
    assert_eq!(list[0]["arr_cents"], 12_000_000);
    assert_eq!(list[1]["name"], "Umbrella Inc");
}

#[test]
fn json_import_and_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_flag(dir.path());
    let json = dir.path().join("accounts.json");
    std::fs::write(
        &json,
        "[\n  {\"id\": \"acme\", \"name\": \"Acme\", \"tier\": \"high_touch\"},\n  \
         {\"id\": \"bad id!\", \"name\": \"X\", \"tier\": \"ai_assisted\"}\n]\n",
    )
    .unwrap();
    let out = run(&["accounts", "import", json.to_str().unwrap()], &data);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 3:"), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 created"), "{}", stdout(&out));

    let garbage = dir.path().join("accounts.json");
    std::fs::write(&garbage, "[{not json").unwrap();
    let out = run(&["accounts", "import", garbage.to_str().unwrap()], &data);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a JSON array"),
        "{}",
        stderr(&out)
    );

    // Not starting with `[`: JSON Lines, judged line by line.
    let lines = dir.path().join("accounts.jsonl");
    std::fs::write(
        &lines,
        "{\"id\": \"b\", \"name\": \"B\", \"tier\": \"ai_assisted\"}\n{oops\n",
    )
    .unwrap();
    let out = run(&["accounts", "import", lines.to_str().unwrap()], &data);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 2:"), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 created"), "{}", stdout(&out));

    let other = dir.path().join("accounts.xlsx");
    std::fs::write(&other, "x").unwrap();
    let out = run(&["accounts", "import", other.to_str().unwrap()], &data);
    assert!(!out.status.success());
    assert!(!stderr(&out).is_empty());

    let missing = dir.path().join("nope.csv");
    let out = run(&["accounts", "import", missing.to_str().unwrap()], &data);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope.csv"), "{}", stderr(&out));
}

#[test]
fn tokens_are_printed_once_and_stored_as_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_flag(dir.path());
    let out = run(
        &[
            "tokens",
            "create",
            "--role",
            "csm",
            "--name",
            "ann@example.com",
        ],
        &data,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).trim().to_string();
    assert!(token.starts_with("docent_csm_"), "{token}");

    let out = run(&["tokens", "list"], &data);
    assert!(out.status.success());
    let listing = stdout(&out);
    assert!(listing.contains("ann@example.com") && listing.contains("csm"));
    assert!(
        !listing.contains(&token[11..]),
        "the list never shows a token"
    );

    // Only a hash is on disk; the token itself authenticates.
    let db = std::fs::read(Path::new(&data).join("docent.db")).unwrap();
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()));
    let (rt, store) = store_at(&data);
    let staff = rt.block_on(store.staff(&token)).unwrap().unwrap();
    assert_eq!(staff.name, "ann@example.com");
    let id = staff.token_id.clone();
    rt.block_on(store.close());
    drop(rt);

    let out = run(&["tokens", "revoke", &id], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    let (rt, store) = store_at(&data);
    assert!(rt.block_on(store.staff(&token)).unwrap().is_none());
    rt.block_on(store.close());

    let out = run(&["tokens", "revoke", &id], &data);
    assert!(!out.status.success(), "revoking twice is an error");

    let out = run(
        &["tokens", "create", "--role", "root", "--name", "x"],
        &data,
    );
    assert!(!out.status.success());
    let out = run(
        &["tokens", "create", "--role", "admin", "--name", " "],
        &data,
    );
    assert!(!out.status.success());
    assert!(!stderr(&out).is_empty());
}

#[test]
fn widget_keys_need_an_account_and_real_origins() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_flag(dir.path());
    let csv = dir.path().join("a.csv");
    std::fs::write(&csv, "id,name,tier\nacme,Acme,ai_assisted\n").unwrap();
    assert!(
        run(&["accounts", "import", csv.to_str().unwrap()], &data)
            .status
            .success()
    );

    let out = run(
        &[
            "keys",
            "create",
            "--account",
            "nobody",
            "--origin",
            "https://a.example",
        ],
        &data,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nobody"), "{}", stderr(&out));

    let out = run(
        &[
            "keys",
            "create",
            "--account",
            "acme",
            "--origin",
            "javascript:alert(1)",
        ],
        &data,
    );
    assert!(!out.status.success());
    assert!(!stderr(&out).is_empty());

    let out = run(
        &[
            "keys",
            "create",
            "--account",
            "acme",
            "--origin",
            "HTTPS://Docs.Example.com/",
        ],
        &data,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).trim().to_string();
    assert!(key.starts_with("pk_"), "{key}");

    let out = run(&["keys", "list", "--account", "acme"], &data);
    let listing = stdout(&out);
    assert!(listing.contains(&key) && listing.contains("https://docs.example.com"));
    assert!(listing.contains("active"), "{listing}");

    assert!(run(&["keys", "revoke", &key], &data).status.success());
    let out = run(&["keys", "list", "--account", "acme"], &data);
    assert!(stdout(&out).contains("revoked"));
    assert!(!run(&["keys", "revoke", &key], &data).status.success());
}
