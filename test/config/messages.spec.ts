/**
 * How a problem names a value: the words people read in every refusal, and the promise that a
 * URL's password never reaches an error message or a log line.
 */
import * as assert from "node:assert/strict";
import {
    carriesCredentials,
    describe as describeValue,
    kindOf,
    unknownKey,
    withoutCredentials,
} from "../../components/config/messages";

describe("config messages: a value as a problem shows it", () => {
    it("names what is not a scalar by its kind", () => {
        assert.equal(describeValue(undefined), "nothing");
        assert.equal(describeValue(null), "null");
        assert.equal(describeValue([1, 2, 3]), "a list of 3");
        assert.equal(describeValue({ a: 1 }), "an object");
        assert.equal(describeValue(42), "42");
        assert.equal(describeValue("crm"), '"crm"');
    });

    it("shows 60 characters whole and cuts the 61st to 57 and an ellipsis", () => {
        const sixty = `"${"a".repeat(58)}"`;
        assert.equal(describeValue("a".repeat(58)), sixty);
        assert.equal(describeValue("a".repeat(59)), `"${"a".repeat(56)}...`);
    });

    it("tells a secret's kind and nothing of its content", () => {
        assert.equal(kindOf(""), "an empty string");
        assert.equal(kindOf("hunter2"), "a string");
        assert.equal(kindOf(5432), "a number");
        assert.equal(kindOf(false), "true or false");
        assert.equal(kindOf(null), "null");
    });

    it("names the key a typo likely meant, and nothing when none is near", () => {
        assert.equal(
            unknownKey("runtme", ["runtime", "host"]),
            "unknown key (expected one of runtime, host); did you mean runtime?",
        );
        assert.equal(unknownKey("zzz", ["runtime", "host"]), "unknown key (expected one of runtime, host)");
    });
});

describe("config messages: credentials never shown", () => {
    it("replaces a URL's user and password with ***", () => {
        assert.equal(
            withoutCredentials("rediss://ops:hunter2@cache.example.com:6380/0"),
            "rediss://***@cache.example.com:6380/0",
        );
        assert.equal(withoutCredentials("https://ops@env.example.com/"), "https://***@env.example.com/");
        assert.equal(withoutCredentials("https://:hunter2@env.example.com/"), "https://***@env.example.com/");
    });

    it("hides what sits between // and @ inside a longer text, and leaves a single slash alone", () => {
        assert.equal(
            withoutCredentials("cannot reach redis://ops:hunter2@cache:6379 (refused)"),
            "cannot reach redis://***@cache:6379 (refused)",
        );
        assert.equal(withoutCredentials("write to docs/ops@example.com"), "write to docs/ops@example.com");
        assert.equal(withoutCredentials("no credentials here"), "no credentials here");
    });

    it("quotes a URL without its password in a problem", () => {
        const shown = describeValue("https://ops:hunter2@env.example.com");
        assert.equal(shown, '"https://***@env.example.com/"');
    });

    it("takes a user alone, a password alone, or both for credentials", () => {
        assert.equal(carriesCredentials("https://ops@env.example.com"), true);
        assert.equal(carriesCredentials("https://:hunter2@env.example.com"), true);
        assert.equal(carriesCredentials("redis://ops:hunter2@cache"), true);
        assert.equal(carriesCredentials("https://env.example.com"), false);
        assert.equal(carriesCredentials("not a url"), false);
    });
});
