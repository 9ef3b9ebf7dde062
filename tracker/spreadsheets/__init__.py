"""Reading uploaded spreadsheets safely, shared by every upload (returns workbooks, awards)."""
