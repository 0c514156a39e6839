"""tokens/formats"""
