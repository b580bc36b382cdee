"""Performances: which DI sources a performance can be played on."""

from tonematch.library.performances import is_source


def test_the_synthesiser_and_general_midi_programs_of_the_fonts_are_sources():
    for source in ("synth", "fluidr3:26", "musescore:0", "musescore:127"):
        assert is_source(source), source


def test_unknown_fonts_and_programs_outside_general_midi_are_not():
    for source in ("", "di", "foo:1", "fluidr3", "fluidr3:", "fluidr3:128", "fluidr3:-1",
                   "musescore:x"):
        assert not is_source(source), source
