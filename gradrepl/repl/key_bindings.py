"""Keys of the shell, on top of prompt_toolkit's emacs defaults (which bring Ctrl-R search,
history with the arrows, Ctrl-C/Ctrl-D handling and bracketed paste)."""

from __future__ import annotations

from prompt_toolkit.filters import Condition, has_completions, has_selection, is_searching
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.keys import Keys

from gradrepl.repl.multiline import indent_after, is_complete
from gradrepl.repl.paste import strip_prompts


def shell_key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @Condition
    def cursor_in_leading_whitespace() -> bool:
        from prompt_toolkit.application import get_app

        before = get_app().current_buffer.document.current_line_before_cursor
        return before.strip() == ""

    @kb.add("enter", filter=~has_selection & ~is_searching & ~has_completions)
    def _(event):
        """Run the cell when it is complete and the cursor is on its last line; else a new line.
        (IPython's rule: on an earlier line the user is editing the cell, not finishing it.)"""
        buffer = event.current_buffer
        document = buffer.document
        on_last_line = document.cursor_position_row >= document.line_count - 1 - document.empty_line_count_at_the_end()
        # judged without prompts typed or pasted in: `>>> for i in range(3):` waits for its body
        if on_last_line and is_complete(strip_prompts(buffer.text)):
            # Drop the trailing empty lines that closed the block, as IPython does.
            buffer.text = buffer.text.rstrip()
            buffer.validate_and_handle()
            return
        line = buffer.document.current_line_before_cursor
        buffer.insert_text("\n" + indent_after(line))

    @kb.add("enter", filter=has_completions)
    def _(event):
        """Enter on an open completion menu takes the completion, like Tab."""
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is None and state.completions:
            buffer.apply_completion(state.completions[0])
        else:
            buffer.complete_state = None

    @kb.add("escape", "enter", filter=~is_searching)
    def _(event):
        """Esc-Enter runs the cell as it is, complete or not."""
        event.current_buffer.validate_and_handle()

    @kb.add("tab", filter=cursor_in_leading_whitespace & ~has_selection)
    def _(event):
        """Tab at the start of a line indents instead of completing."""
        event.current_buffer.insert_text("    ")

    # Backspace deletes one character, inside indentation too, as in IPython (no binding here).

    @kb.add(Keys.BracketedPaste)
    def _(event):
        """A paste is inserted as it is, minus any `>>> `, `... `, `In [3]: `, `   ...: ` prompts."""
        text = event.data.replace("\r\n", "\n").replace("\r", "\n")
        event.current_buffer.insert_text(strip_prompts(text, drop_output=True))

    return kb
