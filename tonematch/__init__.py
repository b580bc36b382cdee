"""ToneMatch AI: match a guitar DI to a reference tone with Neural Amp Modeler rigs."""

from tonematch._native import NamModel

__all__ = ["NamModel"]
__version__ = "0.1.0"
