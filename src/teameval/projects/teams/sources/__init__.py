"""Where a layout comes from: legacy groups, another project, a generator, a CSV file. Each
source builds ``TeamSpec``s and hands them to ``teams.layout``; none writes teams itself."""
