"""Training: bootstrap (tokenizer + small base LM), multi-task SFT, GRPO with fused rewards.

Heavy imports (torch, transformers, TRL) live in the submodules so that
``import qrw.train`` stays cheap for the CLI.
"""
