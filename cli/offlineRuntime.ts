/**
 * Settings that make rendering under mocks cheap for the offline plan, measured on the sample
 * stacks (README, Offline plan: Timing):
 *
 * - A dynamic resource serializes its provider's code at construction: the SDK's closure
 *   serializer walks the provider through the V8 inspector and parses every function with
 *   TypeScript: about 1 s once per process (every app shares one provider object), which is most
 *   of a sample stack's render. The plan deploys nothing, and the diff ignores the `__provider`
 *   input, so the serializer is replaced by a constant while the plan renders; the test suites
 *   serialize both providers for real and run them as the engine would.
 * - The SDK captures `new Error().stack` for every promise it creates (runtime/debuggable.js); with
 *   tsx's source maps each capture is mapped back to TypeScript. Stack traces are switched off.
 *
 * Both are process-wide, so they are installed for a span and undone, never at import.
 */
// The package first: loading this internal module before it would make the SDK's runtime index
// copy serializeFunction while the module is half-loaded (undefined for everyone after).
import "@pulumi/pulumi";
const serializer = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: (...args: unknown[]) => Promise<unknown> };

/** What the `__provider` input holds while offline settings are on. */
export const OFFLINE_PROVIDER = "// provider code is not serialized by the offline plan";

export function useOfflineRuntime(): () => void {
    const serializeFunction = serializer.serializeFunction;
    const stackTraceLimit = Error.stackTraceLimit;
    serializer.serializeFunction = async () => ({ text: OFFLINE_PROVIDER, exportName: "handler", containsSecrets: false });
    Error.stackTraceLimit = 0;
    return () => {
        serializer.serializeFunction = serializeFunction;
        Error.stackTraceLimit = stackTraceLimit;
    };
}
