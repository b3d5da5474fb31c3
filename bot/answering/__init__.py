"""Understanding a question and finding the advice centres that fit it."""
