/** Renders a sample stack through the program with an edit of its typed configuration (typedProgram.ts). */
import { renderProgram, Rendered } from "../../cli/harness/render";
import { parseStackFile } from "../../components/config/stackFile";
import { ConfigEdit, editedStackText } from "./stacks";
import { TypedEdit, setTypedEdit } from "./typedEdit";

export async function renderTyped(stack: string, typed: TypedEdit, edit?: ConfigEdit): Promise<Rendered> {
    const file = parseStackFile(editedStackText(stack, edit), stack);
    setTypedEdit(typed);
    try {
        return await renderProgram({
            stack,
            values: file.values,
            secretKeys: file.secretKeys,
            program: require.resolve("./typedProgram"),
        });
    } finally {
        setTypedEdit((c) => c);
    }
}
