"""National data feeds (POMI, NHS Choices, GP2GP) stored beside what practices report."""
