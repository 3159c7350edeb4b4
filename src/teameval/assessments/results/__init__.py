"""Results of an assessment: the one computation, publishing and withdrawing, the grades file."""
