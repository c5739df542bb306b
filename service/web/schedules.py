"""The pages of scheduled exports."""
