"""resource"""
