//! What kind of question this is before any retrieval: a request for a person,
//! a question for the account team (billing, refunds, contracts, pricing), or
//! a product question the docs may answer.

/// The intent of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// "Can I talk to a human?": escalate at once.
    AskedForHuman,
    /// The customer's own commercial relationship: the account team's to answer.
    Account,
    /// A question about the product.
    Product,
}

/// Phrases that ask for a person.
const HUMAN_PHRASES: &[&str] = &[
    "talk to a human",
    "talk to a person",
    "talk to someone",
    "talk to a real",
    "speak to a human",
    "speak to a person",
    "speak to someone",
    "speak with a human",
    "speak with a person",
    "speak with someone",
    "speak to a real",
    "real person",
    "real human",
    "human agent",
    "live agent",
    "live chat with",
    "a human please",
    "get me a person",
    "get me a human",
    "get me someone",
    "connect me with",
    "connect me to",
    "transfer me",
    "human being",
    "account manager",
    "customer success manager",
    "my csm",
    "customer success",
    "sales rep",
    "support engineer",
    "support team",
    "contact support",
    "escalate this",
    "call me",
    "phone call",
];

/// Words that make a question commercial on their own.
const ACCOUNT_WORDS: &[&str] = &[
    "invoice",
    "invoices",
    "invoiced",
    "billing",
    "billed",
    "refund",
    "refunds",
    "refunded",
    "charged",
    "overcharged",
    "overcharge",
    "contract",
    "contracts",
    "renewal",
    "discount",
    "discounts",
    "pricing",
    "subscription",
    "subscriptions",
    "msa",
    "dpa",
    "nda",
    "reimburse",
];

/// Words that are commercial when the customer speaks of their own account
/// ("our plan", "my payment") or when two meet ("credit card we pay with").
const MONEY_WORDS: &[&str] = &[
    "bill",
    "renew",
    "price",
    "prices",
    "cost",
    "costs",
    "quote",
    "plan",
    "plans",
    "payment",
    "payments",
    "pay",
    "paid",
    "credit",
    "receipt",
    "vat",
    "tax",
    "purchase",
    "order",
    "legal",
    "lawyer",
    "terms",
    "cancel",
    "cancellation",
    "downgrade",
    "upgrade",
    "seats",
    "license",
    "licence",
    "trial",
];

/// Words that make a price question a question about what the customer pays.
const PRICE_WORDS: &[&str] = &["price", "prices", "pricing", "cost", "costs", "fee", "fees"];
const PRICE_CONTEXT: &[&str] = &[
    "per",
    "plan",
    "plans",
    "tier",
    "tiers",
    "enterprise",
    "month",
    "monthly",
    "year",
    "yearly",
    "annual",
    "annually",
    "much",
    "volume",
    "customers",
];

/// Words that show the question is about the customer themselves.
/// (`I` is not one: "how do I ..." opens most product questions too.)
const SELF_WORDS: &[&str] = &["my", "me", "we", "our", "us", "we're", "mine", "ours"];

fn words(question: &str) -> Vec<String> {
    question
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Classifies a question. Some words make an account topic on their own
/// (refund, invoice, billing); softer ones (price, plan, order) need the
/// customer's own framing ("our plan") or a second such word, so a product
/// question that mentions `price` or `order` as data is not caught.
pub fn classify(question: &str) -> Intent {
    let lower = question.to_lowercase();
    let normalized: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let padded = format!(" {normalized} ");
    if HUMAN_PHRASES
        .iter()
        .any(|p| padded.contains(&format!(" {p} ")))
    {
        return Intent::AskedForHuman;
    }
    let words = words(question);
    let has = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    let money = has(MONEY_WORDS);
    let priced = has(PRICE_WORDS) > 0 && has(PRICE_CONTEXT) > 0;
    if has(ACCOUNT_WORDS) > 0 || money >= 2 || (money == 1 && has(SELF_WORDS) > 0) || priced {
        return Intent::Account;
    }
    Intent::Product
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_a_person_are_recognised() {
        for q in [
            "Can I talk to a human?",
            "I want to speak with someone from support team",
            "please connect me to my account manager",
            "Talk to a real person now!!",
        ] {
            assert_eq!(classify(q), Intent::AskedForHuman, "{q}");
        }
        assert_eq!(
            classify("how does the human-readable id work?"),
            Intent::Product
        );
    }

    #[test]
    fn account_topics_are_recognised_without_catching_data_words() {
        for q in [
            "Can I get a refund for last month?",
            "Why was I charged twice?",
            "When does our contract renew?",
            "What does the enterprise plan cost?",
            "Send me a copy of my invoice",
            "What is the price per label in live mode?",
            "How much does it cost?",
        ] {
            assert_eq!(classify(q), Intent::Account, "{q}");
        }
        for q in [
            "How do I filter results by a price range?",
            "How do I create a shipment?",
            "What does the order field mean in list responses?",
        ] {
            assert_eq!(classify(q), Intent::Product, "{q}");
        }
    }
}
