/**
 * What the engine hands a program, checked against the engine's own facts: Linux's limit on one
 * environment string (MAX_ARG_STRLEN, 32 pages of 4096 bytes) and the placeholder Pulumi's SDK
 * sends for an input a preview does not know yet.
 */
import * as assert from "node:assert/strict";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { configTooLargeProblem, isKnownString } from "../../components/core/engine";

const MAX_ARG_STRLEN = 32 * 4096;

describe("engine limits", () => {
    it("a configuration fits up to MAX_ARG_STRLEN bytes of PULUMI_CONFIG=..., its NUL included, and no further", () => {
        // `PULUMI_CONFIG=` (14 bytes), `{"k":"` and `"}` (8), the NUL (1): 23 bytes around the value.
        const config = (bytes: number) => ({ k: "x".repeat(bytes - 23) });
        assert.equal(configTooLargeProblem(config(MAX_ARG_STRLEN)), undefined);
        assert.match(
            configTooLargeProblem(config(MAX_ARG_STRLEN + 1)) ?? "",
            new RegExp(`takes ${MAX_ARG_STRLEN + 1} bytes in PULUMI_CONFIG.*more than ${MAX_ARG_STRLEN}`),
        );
    });

    it("a string is known unless it is the SDK's placeholder for an unknown", () => {
        assert.equal(isKnownString("crm"), true);
        assert.equal(isKnownString(""), true);
        assert.equal(isKnownString(unknownValue), false);
        assert.equal(isKnownString(undefined), false);
        assert.equal(isKnownString(5432), false);
    });
});
