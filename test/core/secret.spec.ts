import { strict as assert } from "node:assert";
import { inspect, format } from "node:util";
import { Secret } from "../../components/core";

describe("Secret", () => {
    const value = "s3cr3t-value";
    const secret = new Secret(value);

    it("gives its value only to reveal()", () => {
        assert.equal(secret.reveal(), value);
    });

    it("prints as [secret] wherever it is turned into text by accident", () => {
        const renderings = {
            String: String(secret),
            template: `${secret}`,
            concatenation: "password=" + secret,
            "JSON.stringify": JSON.stringify({ password: secret }),
            "util.format": format("%s %j", secret, { secret }),
            "util.inspect": inspect({ secret }, { depth: 5, showHidden: true }),
        };
        for (const [how, text] of Object.entries(renderings)) {
            assert.ok(!text.includes(value), `${how} shows the value: ${text}`);
        }
        assert.equal(renderings.String, "[secret]");
        assert.equal(renderings.template, "[secret]");
        assert.equal(renderings.concatenation, "password=[secret]");
        assert.equal(renderings["JSON.stringify"], '{"password":"[secret]"}');
    });
});
