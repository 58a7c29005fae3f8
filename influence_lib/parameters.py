"""Parameters of the report's section notebooks: frozen, validated models, one per notebook."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from influence_lib.settings import SLUG_PATTERN


class SectionParameters(BaseModel):
    """Parameters every section notebook takes (its ``parameters`` cell names exactly these fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    data_dir: str = ""                      # dataset folder; "" = the embedded sample
    sector: str = Field("sante", pattern=SLUG_PATTERN)
    edition: str = ""                       # edition key; "" = the latest edition
    out_dir: str = ""                       # where tables/ and figures/ go; "" = nothing written
    on_error: str = Field("raise", pattern=r"^(raise|reject)$")
    methodology_file: str = ""              # methodology YAML; "" = engagement v1
    no_texts: bool = False                  # leave post texts out of every output

    @classmethod
    def from_values(cls, **values):
        """Build and validate from the notebook's parameter values; ``SettingsError`` lists every problem."""
        from influence_lib.settings import parse_settings
        return parse_settings(cls, values, f"{cls.__name__} (notebook parameters)")


class MethodologyParameters(SectionParameters):
    """``00_methodology``: the methodology box, coverage and distributions."""


class FocusParameters(SectionParameters):
    """``01_focus-top10``: the Top 10 of the focus segment and a profile of each Direction."""

    top: int = Field(10, gt=0, le=50)       # how many Directions get a profile
    seed: int = 20210601                    # seed of the rank intervals
    n_boot: int = Field(500, ge=100)        # bootstrap replicates of the rank intervals


class SegmentParameters(SectionParameters):
    """``02_segment-ranking``: one segment's Top N ranking."""

    segment: str = Field("laboratoires-biotech", pattern=SLUG_PATTERN)
    seed: int = 20210601                    # seed of the rank intervals
    n_boot: int = Field(500, ge=100)        # bootstrap replicates of the rank intervals


class TrendsParameters(SectionParameters):
    """``03_trends``: trends, highlights and the Top voices."""

    seed: int = 20210601                    # bootstrap seed
    n_boot: int = Field(1000, ge=100)       # bootstrap resamples
    top_voices: int = Field(20, gt=0)       # people in the member ranking


NOTEBOOK_PARAMETERS = {
    "00_methodology": MethodologyParameters,
    "01_focus-top10": FocusParameters,
    "02_segment-ranking": SegmentParameters,
    "03_trends": TrendsParameters,
}
