"""What every page about one mini program shares (the mixin lives in miniprograms.mixins, so
the apps above use the same one)."""

from miniprograms.mixins import MiniProgramMixin

__all__ = ["MiniProgramMixin"]
