"""Parameters of the report's section notebooks: frozen, validated models, one per notebook."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from influence_lib.settings import SLUG_PATTERN

SEED = 20210601          # default seed of every bootstrap of the report
TOP_VOICES = 20          # people in the member ranking ("Top voices") and in the gender comparison


class SectionParameters(BaseModel):
    """Parameters every section notebook takes (its ``parameters`` cell names exactly these fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    data_dir: str = ""                      # dataset folder; "" = the embedded sample
    sector: str = Field("sante", pattern=SLUG_PATTERN)
    edition: str = ""                       # edition key; "" = the latest edition
    out_dir: str = ""                       # where tables/ and figures/ go; "" = nothing written
    on_error: str = Field("fail", pattern=r"^(fail|reject)$")
    methodology_file: str = ""              # methodology YAML; "" = engagement v1
    no_texts: bool = False                  # leave post texts out of every output

    @classmethod
    def from_values(cls, **values):
        """Build and validate from explicit values; ``SettingsError`` lists every problem."""
        from influence_lib.settings import parse_settings
        return parse_settings(cls, values, f"{cls.__name__} (notebook parameters)")

    @classmethod
    def from_namespace(cls, namespace: Mapping):
        """Build from a notebook's variables (``globals()``): every field must be defined there.

        A parameter missing from the notebook's ``parameters`` cell is an error, never a silent
        default; other variables of the namespace are ignored.

        Raises
        ------
        SettingsError
            Naming the missing parameters, or listing every invalid value.
        """
        from influence_lib.errors import SettingsError

        missing = [name for name in cls.model_fields if name not in namespace]
        if missing:
            raise SettingsError(f"{cls.__name__}: the notebook does not define the parameter"
                                f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}; add "
                                f"{'them' if len(missing) > 1 else 'it'} to its parameters cell")
        return cls.from_values(**{name: namespace[name] for name in cls.model_fields})


class MethodologyParameters(SectionParameters):
    """``00_methodology``: the methodology box, coverage and distributions."""


class FocusParameters(SectionParameters):
    """``01_focus-top10``: the Top 10 of the focus segment and a profile of each Direction."""

    top: int = Field(10, gt=0, le=50)       # how many Directions get a profile
    seed: int = SEED                        # seed of the rank intervals
    n_boot: int = Field(1000, ge=100)       # bootstrap replicates of the rank intervals


class SegmentParameters(SectionParameters):
    """``02_segment-ranking``: one segment's Top N ranking."""

    segment: str = Field("laboratoires-biotech", pattern=SLUG_PATTERN)
    seed: int = SEED                        # seed of the rank intervals
    n_boot: int = Field(1000, ge=100)       # bootstrap replicates of the rank intervals


class TrendsParameters(SectionParameters):
    """``03_trends``: trends, highlights and the Top voices."""

    seed: int = SEED                        # bootstrap seed
    n_boot: int = Field(1000, ge=100)       # bootstrap resamples
    top_voices: int = Field(TOP_VOICES, gt=0)  # people in the member ranking


class RobustnessParameters(SectionParameters):
    """``05_robustness``: estimands side by side, uncertainty and sensitivity analyses of the focus Top N."""

    top: int = Field(10, gt=0, le=50)       # the Top N of the focus segment followed
    seed: int = SEED                        # seed of the Monte Carlo sample and of the Sobol design
    n_runs: int = Field(1000, ge=1000)      # runs of the uncertainty analysis
    n_sobol: int = Field(1024, ge=64)       # Sobol base sample, a power of 2 (n_sobol x 9 scorings)

    @field_validator("n_sobol")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError(f"n_sobol must be a power of 2 (512, 1024, 2048...), not {value}")
        return value


NOTEBOOK_PARAMETERS = {
    "00_methodology": MethodologyParameters,
    "01_focus-top10": FocusParameters,
    "02_segment-ranking": SegmentParameters,
    "03_trends": TrendsParameters,
    "05_robustness": RobustnessParameters,
}


def notebook_defaults(template: str) -> dict:
    """The default parameters of a section notebook (``{}`` for a template without a model)."""
    model = NOTEBOOK_PARAMETERS.get(template)
    return {} if model is None else model().model_dump()
