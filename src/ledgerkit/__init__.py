"""ledgerkit: 重点项目台账的校验、汇总与通报。"""

__version__ = "0.1.0"
