/**
 * The mock renderer (cli/harness/render.ts) on programs written for it: how it reports a program
 * that fails to load or never settles (the error `pulumi up` would
 * print, not a hang), the mocks' RandomId, and the span the offline runtime holds.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { useOfflineRuntime } from "../../cli/harness/offlineRuntime";
import { RenderError, mockOutputs, renderProgram } from "../../cli/harness/render";
import { TYPES } from "../../components/core/typeTokens";

const fixture = (name: string) => path.join(__dirname, "fixtures", `${name}.ts`);
const render = (program: string, timeoutMs?: number) =>
    renderProgram({ stack: "dev", values: {}, secretKeys: [], program: fixture(program), timeoutMs });

describe("the mock renderer (cli/harness/render.ts)", () => {
    it("reports a program that fails as it loads with the program's own message", async () => {
        await assert.rejects(render("throwsAtLoad"), (e: Error) => {
            assert.ok(e instanceof RenderError, String(e));
            assert.equal(e.message, "platform.mode: must be one of shared-memory, multi-environment");
            return true;
        });
    });

    it("gives up on a program that never settles, saying after how long", async () => {
        const started = Date.now();
        await assert.rejects(render("neverSettles", 300), (e: Error) => {
            assert.ok(e instanceof RenderError, String(e));
            assert.equal(e.message, "the program did not settle within 300 ms");
            return true;
        });
        assert.ok(Date.now() - started < 5_000, `${Date.now() - started} ms`);
    });

    it("mocks a RandomId's hex and base64 as the same bytes, stable per name", () => {
        const a = mockOutputs(TYPES.randomId, "aes-key", {}) as { hex: string; b64Std: string };
        assert.match(a.hex, /^[0-9a-f]{64}$/);
        assert.equal(Buffer.from(a.b64Std, "base64").toString("hex"), a.hex);
        assert.deepEqual(mockOutputs(TYPES.randomId, "aes-key", {}), a);
        assert.notEqual((mockOutputs(TYPES.randomId, "other", {}) as { hex: string }).hex, a.hex);
    });

    it("switches stack traces off for the offline span only", () => {
        const before = Error.stackTraceLimit;
        const restore = useOfflineRuntime();
        assert.equal(Error.stackTraceLimit, 0);
        restore();
        assert.equal(Error.stackTraceLimit, before);
    });
});
