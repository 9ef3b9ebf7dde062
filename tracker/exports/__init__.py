"""Excel and CSV summaries for NHS England, regions and CCGs."""
