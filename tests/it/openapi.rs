//! The OpenAPI document: every route the router serves is in it (read from the source, so a
//! route added anywhere without its entry fails here, naming it), every error code is listed
//! with its status, and the front door and docs pages render from it.

use crate::helpers::{http_client, spawn_app};
use relasi_codes::Code;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Every `(method, path)` registered with `.route("PATH", get(..).post(..))` under `src/`.
fn router_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path.extension().is_some_and(|e| e == "rs") {
            routes_in(&std::fs::read_to_string(&path).unwrap(), &mut out);
        }
    }
    out
}

fn routes_in(text: &str, out: &mut BTreeSet<(String, String)>) {
    for (at, _) in text.match_indices(".route(\"") {
        let rest = &text[at + 8..];
        let Some(end) = rest.find('"') else { continue };
        let path = &rest[..end];
        // The call's arguments: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut close = rest.len();
        for (i, ch) in rest.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let args = &rest[end..close];
        for method in ["get", "post", "put", "patch", "delete"] {
            let called = args.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0
                    || !args.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && args.as_bytes()[i - 1] != b'_'
            });
            if called {
                out.insert((method.to_owned(), path.to_owned()));
            }
        }
    }
}

async fn document(base: &str) -> Value {
    let res = http_client()
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn every_router_route_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc = document(&app.base).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let served = router_routes();
    assert!(served.len() > 30, "the source scan found only {served:?}");
    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes served but missing from the OpenAPI document (add them to api::openapi::ROUTES): {missing:?}"
    );
    let stale: Vec<_> = documented.difference(&served).collect();
    assert!(
        stale.is_empty(),
        "documented routes the router does not serve: {stale:?}"
    );
    // Protected operations name the auth scheme; every error code is listed with its status.
    let sale = &doc["paths"]["/v1/redemptions"]["post"];
    assert_eq!(sale["security"][0]["bearer"], serde_json::json!([]));
    assert!(
        sale["responses"]["409"]["description"]
            .as_str()
            .unwrap()
            .contains("insufficient_balance")
    );
    assert!(sale["responses"]["409"]["content"]["application/problem+json"]["examples"]["insufficient_balance"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let listed = doc["x-error-codes"].as_array().unwrap();
    assert_eq!(listed.len(), Code::ALL.len());
    for (entry, code) in listed.iter().zip(Code::ALL) {
        assert_eq!(entry["code"], code.as_str());
        assert_eq!(entry["status"], code.status());
    }
}
story!(every_router_route_is_in_the_openapi_document);

async fn the_front_door_and_the_api_docs_page_work_offline() {
    let app = spawn_app().await;
    let front = http_client().get(app.url("/")).send().await.unwrap();
    assert_eq!(front.status(), 200);
    let html = front.text().await.unwrap();
    for text in [
        "Voucher Belanja Nutrisi",
        "Program Uji",
        "Cek saldo voucher",
        "href=\"/api\"",
        "href=\"/toko\"",
        "href=\"/openapi.json\"",
    ] {
        assert!(html.contains(text), "front door lacks {text}");
    }
    let english = http_client()
        .get(app.url("/?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("Check a voucher"));
    let docs = http_client().get(app.url("/api")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    for text in [
        "POST /v1/redemptions",
        "insufficient_balance",
        "Dokumentasi API",
    ] {
        assert!(html.contains(text), "docs page lacks {text}");
    }
    // Nothing from another origin.
    assert!(
        !html.contains("https://") && !html.contains("http://"),
        "the docs page links outside"
    );
}
story!(the_front_door_and_the_api_docs_page_work_offline);

/// Every `"$ref"` string anywhere under `v`, with the JSON path it was found at.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                match (k.as_str(), child) {
                    ("$ref", Value::String(r)) => out.push((at.to_owned(), r.clone())),
                    _ => refs(child, &format!("{at}/{k}"), out),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// A local reference (`#/a/b`, RFC 6901 escapes) resolved in `doc`.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

async fn every_schema_reference_in_the_openapi_document_resolves() {
    let app = spawn_app().await;
    let doc = document(&app.base).await;
    let mut found = Vec::new();
    refs(&doc, "", &mut found);
    assert!(found.len() > 50, "only {} references", found.len());
    let dangling: BTreeSet<String> = found
        .iter()
        .filter(|(_, r)| resolve(&doc, r).is_none())
        .map(|(at, r)| format!("{r} (at {at})"))
        .collect();
    assert!(dangling.is_empty(), "dangling $ref: {dangling:#?}");
}
story!(every_schema_reference_in_the_openapi_document_resolves);
