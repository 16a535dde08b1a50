/**
 * What makes rendering under mocks cheap for the offline plan (docs/offline-plan.md, Timing): the
 * SDK captures `new Error().stack` for every promise it creates (runtime/debuggable.js), and with
 * tsx's source maps each capture is mapped back to TypeScript. Stack traces are switched off.
 *
 * It is process-wide, so it is installed for a span and undone, never at import.
 */
export function useOfflineRuntime(): () => void {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    return () => {
        Error.stackTraceLimit = stackTraceLimit;
    };
}
