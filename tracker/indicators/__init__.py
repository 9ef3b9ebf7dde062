"""The indicator catalogue: what a return asks, and the target each answer is judged against."""
