"""Peer and self evaluation (issue 13).

- ``corrections``: pure: the correction models (WebPA, CATME-style, the seed platform's GCF,
  none) computed per team version in exact ``Fraction`` arithmetic, and the corrected
  individual grade (clamped, rounded once, half up, by the linked assessment's policy);
- ``flags``: pure: what the teacher should look at (did not submit, too few peer ratings,
  self-rating far from the peers', low factor, flat rater, outlier within the project).

See ``docs/peer-evaluation.md`` for the formulas and worked examples.
"""
