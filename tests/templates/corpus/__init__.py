"""Acceptance over the SAM project corpus (../shared/corpus/sam): every template loads as it
declares (test_configuration.py, against tables written by hand from each template), and the
projects whose services faaslib has run end to end on their own handler code
(test_end_to_end_*.py)."""
