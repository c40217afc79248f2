"""The prompt_toolkit side of the shell: one PromptSession with our prompts, keys, completion,
highlighting, history and suggestions."""

from __future__ import annotations

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory, ConditionalAutoSuggest
from prompt_toolkit.filters import has_completions
from prompt_toolkit.shortcuts import CompleteStyle
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.styles import Style

from gradrepl.repl.completer import NamespaceCompleter
from gradrepl.repl.history import file_history
from gradrepl.repl.key_bindings import shell_key_bindings
from gradrepl.repl.lexer import PythonHighlighting

STYLE = Style.from_dict({
    "prompt.in": "ansigreen",
    "prompt.continuation": "ansigreen",
})


def make_prompt_session(shell, highlighting: PythonHighlighting, input=None, output=None,
                        history=None) -> PromptSession:
    prompts = shell.prompts

    def message():
        # One fragment, so the prompt's text is contiguous on the screen.
        return FormattedText([("class:prompt.in", prompts.in_prompt(shell.next_count))])

    def continuation(width, line_number, is_soft_wrap):
        return FormattedText([("class:prompt.continuation", prompts.continuation(width))])

    session = PromptSession(
        message=message,
        multiline=True,
        prompt_continuation=continuation,
        lexer=highlighting.lexer,
        completer=NamespaceCompleter(shell.namespace_if_ready),
        complete_while_typing=False,
        history=history if history is not None else file_history(),
        # The grey suggestion from history would sit under an open completion menu: not while it is open.
        auto_suggest=ConditionalAutoSuggest(AutoSuggestFromHistory(), ~has_completions),
        complete_style=CompleteStyle.MULTI_COLUMN,
        enable_history_search=True,
        search_ignore_case=True,
        key_bindings=shell_key_bindings(),
        style=STYLE,
        include_default_pygments_style=True,
        input=input,
        output=output,
    )

    def hide_suggestion(buffer):
        if buffer.complete_state is not None:
            buffer.suggestion = None

    session.default_buffer.on_completions_changed += hide_suggestion
    return session
