"""Replaying notebooks: execute their code cells through ``gradrepl.session`` and compare outputs."""
