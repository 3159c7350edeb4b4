"""Words for the peer evaluation's states, models and flags, marked for translation here and
translated when a page shows them (a state is never only a colour)."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


STATUS = {
    "draft": N_("Draft"),
    "open": N_("Open for rating"),
    "closed": N_("Closed"),
    "published": N_("Published"),
}

SUBMISSION = {
    "none": N_("Not started"),
    "draft": N_("Draft saved"),
    "submitted": N_("Submitted"),
}

MODELS = {
    "none": N_("No correction"),
    "webpa": N_("WebPA"),
    "catme": N_("CATME-style"),
    "gcf": N_("GCF (the former platform's factor)"),
}

NON_SUBMITTER = {
    "cap": N_("Cap: a non-submitter's factor is at most 1"),
    "none": N_("None: the model's factor as it comes"),
}

FLAGS = {
    "did_not_submit": N_("Did not submit"),
    "few_peer_ratings": N_("Few peer ratings received"),
    "self_above_peers": N_("Self-rating well above the peers'"),
    "self_below_peers": N_("Self-rating well below the peers'"),
    "low_factor": N_("Low factor"),
    "flat_rater": N_("Flat rater: gave everyone the same scores"),
    "outlier": N_("Outlier within the project"),
}


def labels() -> dict[str, dict[str, str]]:
    """Every table of words, for the templates (translated there with ``_()``)."""
    return {
        "status": STATUS,
        "submission": SUBMISSION,
        "models": MODELS,
        "non_submitter": NON_SUBMITTER,
        "flags": FLAGS,
    }
