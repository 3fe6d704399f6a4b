"""The labour market side: posting demand, near-duplicate postings, pay and the program catalog."""
