use super::*;

#[test]
fn html_paragraphs_become_markdown() {
    assert_eq!(
        render("<p>Retrieves a <strong>Customer</strong> by <code>id</code>.</p>"),
        "Retrieves a **Customer** by `id`."
    );
    assert_eq!(
        render("<p>One.</p>\n\n<p>Two <em>words</em>.</p>"),
        "One.\n\nTwo *words*."
    );
    assert_eq!(render("<ul><li>a</li><li>b</li></ul>"), "- a\n- b");
    assert_eq!(
        render("<p>Use line_items, <em>_x_</em>.</p>"),
        "Use line_items, *\\_x\\_*."
    );
    // Not `&lt;p&gt;`.
    assert!(!render("<p>x</p>").contains("&lt;"));
}

#[test]
fn markdown_links_stay_links() {
    assert_eq!(
        render("See [the guide](https://x.io/guide)."),
        "See [the guide](https://x.io/guide)."
    );
    assert_eq!(
        render("An [online\nguide](https://x.io/g) here."),
        "An [online guide](https://x.io/g) here."
    );
    // Inside an HTML paragraph too, with a code span.
    assert_eq!(
        render("<p>Use [Stripe.js](https://stripe.com/docs/js) and `tok`.</p>"),
        "Use [Stripe.js](https://stripe.com/docs/js) and `tok`."
    );
}

#[test]
fn relative_links_resolve_against_the_docs_base_or_become_text() {
    let html = "<p>With <a href=\"/docs/connect\">Connect</a>.</p>";
    assert_eq!(render(html), "With Connect.");
    assert_eq!(
        render("See [guide](/docs/g) and [top](#top)."),
        "See guide and top."
    );
    {
        let _base = DocBase::enter(Some("https://docs.x.io/api/index.html"));
        assert_eq!(
            render(html),
            "With [Connect](https://docs.x.io/docs/connect)."
        );
        assert_eq!(
            render("[rel](guide.html)"),
            "[rel](https://docs.x.io/api/guide.html)"
        );
        assert_eq!(render("[a](#frag)"), "a");
    }
    // The guard restores the previous (no) base.
    assert_eq!(render(html), "With Connect.");
    let _not_a_url = DocBase::enter(Some("docs/"));
    assert_eq!(render("[g](/g)"), "g");
}

#[test]
fn what_rustdoc_misreads_is_escaped() {
    assert_eq!(render("See https://x.io/a."), "See <https://x.io/a>.");
    assert_eq!(render("<https://x.io/a>"), "<https://x.io/a>");
    assert_eq!(render("a [b] c"), "a \\[b\\] c");
    assert_eq!(render("[Customer]"), "\\[Customer\\]");
    assert_eq!(render("a <b> c"), "a &lt;b&gt; c");
    assert_eq!(render("Vec<T> of <b>s"), "Vec&lt;T&gt; of &lt;b&gt;s");
    assert_eq!(render("Basic <api_key>"), "Basic &lt;api_key&gt;");
    assert_eq!(render("```\nfoo()\n```"), "```text\nfoo()\n```");
    assert_eq!(render("```js\nx"), "```text\nx\n```");
    assert_eq!(render("```\na\n\nb\n```"), "```text\na\n\nb\n```");
    assert_eq!(render("a\r\nb\rc"), "a\nb\nc");
    assert_eq!(
        render("`https://x.io/{id}` and `a<b>`"),
        "`https://x.io/{id}` and `a<b>`"
    );
    assert_eq!(render("    indented"), "indented");
}

#[test]
fn bad_input_does_not_panic() {
    for s in [
        "[",
        "](",
        "[a](",
        "[a](b",
        "<",
        "</",
        "<p",
        "<p>",
        "`",
        "\\",
        "[é](ü)",
        "<a href=\"",
        "```",
        "[[x]](y)",
        "<p>[a\n\nb](c)</p>",
    ] {
        let _ = render(s);
    }
}
