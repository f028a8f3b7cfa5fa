from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import builders

KAIFAQU_ROWS = [
    ["襄城经济开发区2024年重点项目台账", None, None, None, None, None, None, None],
    [
        "项目名称",
        "项目级别",
        "项目类别",
        "总投资（亿元）",
        "年度计划（亿元）",
        "累计完成（亿元）",
        "开工情况",
        "形象进度",
    ],
    ["襄城能源化工产业园", "市级", "续建", 12, 3, 1.25, "已开工", "一期投产"],
    ["卧龙镇污水处理厂及配套管网工程", "区级", "新建", 0.12, 0.05, 0.02, "已开工", "管网铺设"],
    ["襄城区智慧物流园", "区级", "前期", 0.5, 0.1, 0, "未开工", "前期手续"],
]


@pytest.fixture
def month(tmp_path: Path) -> Path:
    """A month folder: two good ledgers, a GBK CSV, a lock file, a corrupt file, a note."""
    folder = tmp_path / "2024-04"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", builders.TOWNSHIP_ROWS, builders.TOWNSHIP_MERGES)
    builders.xlsx(folder / "襄城经济开发区.xlsx", KAIFAQU_ROWS, ["A1:H1"])
    builders.csv_file(
        folder / "区交通运输局.csv",
        [
            [
                "项目名称",
                "责任单位",
                "总投资",
                "年度计划投资",
                "累计完成投资",
                "是否开工",
                "形象进度",
            ],
            ["襄城区環城公路改建工程", "区交通运输局", "8,000", "2000", "６００", "是", "路面施工"],
            ["=cmd|' /C calc'!A0", "区交通运输局", "待定", "/", "—", "否", "@SUM(1)"],
            ["合计", None, "8100", "2000", "600", None, None],
        ],
    )
    (folder / "~$卧龙镇.xlsx").write_bytes(b"\x00" * 165)
    (folder / "欧庙镇.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (folder / "说明.txt").write_text("四月份台账", encoding="utf-8")
    return folder


@pytest.fixture
def clean_month(tmp_path: Path) -> Path:
    """A month with nothing wrong in it."""
    folder = tmp_path / "2024-05"
    folder.mkdir()
    builders.csv_file(
        folder / "檀溪街道.csv",
        [
            [
                "项目名称",
                "总投资",
                "年度计划投资",
                "累计完成投资",
                "是否开工",
                "形象进度",
                "存在问题",
            ],
            ["檀溪路改造", "1000", "400", "100", "是", "施工中", "无"],
        ],
        encoding="utf-8-sig",
    )
    return folder
