"""The console's two languages: Simplified Chinese and English.

The language is the ``camhealth_lang`` cookie when the user picked one with the switch,
otherwise the first of ``zh``/``en`` the browser's ``Accept-Language`` prefers, otherwise
Chinese (the cities this serves).  Templates write English text and call ``t("...")``; the
Chinese catalogue maps that text to its translation.  Domain values (indicators, faults,
statuses, coverage reasons, event kinds) go through ``label(value)``, which keeps the value
itself as the English word when no nicer one is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

LANG_COOKIE = "camhealth_lang"
LANGUAGES = ("zh", "en")
DEFAULT = "zh"

ZH: dict[str, str] = {
    "camhealth console": "camhealth 控制台",
    "Skip to the content": "跳到正文",
    "Pages": "页面",
    "Overview": "总览",
    "Maintenance": "维护清单",
    "Areas": "重点区域",
    "Log in": "登录",
    "Log out": "退出",
    "User name": "用户名",
    "Password": "密码",
    "Wrong user name or password.": "用户名或密码错误。",
    "Too many failed logins; try again later.": "登录失败次数过多，请稍后再试。",
    "The form expired; please try again.": "表单已过期，请重试。",
    "Language": "语言",
    "No snapshot yet: the monitor has not reported.": "尚无快照：监测程序还未上报。",
    "Snapshot made at": "快照时间",
    "times in": "时区",
    "Indicator": "指标",
    "Value": "数值",
    "Stars": "星级",
    "no data": "无数据",
    "City": "全市",
    "District": "街道",
    "Districts": "各街道",
    "Trend": "趋势",
    "trend: not enough history yet": "趋势：历史数据不足",
    "last 7 days": "近 7 天",
    "Camera": "摄像机",
    "Cameras": "摄像机",
    "Name": "名称",
    "Area": "区域",
    "Status": "状态",
    "Faults": "故障",
    "Since": "起始时间",
    "Last picture": "最近画面",
    "Reference": "参考画面",
    "no picture": "无画面",
    "all": "全部",
    "Filter": "筛选",
    "Sort by": "排序",
    "Export CSV": "导出 CSV",
    "Export XLSX": "导出 XLSX",
    "Printable work list": "打印工单",
    "Print": "打印",
    "Work list": "维修工单",
    "Done": "完成",
    "Notes": "备注",
    "cameras not intact": "台摄像机不完好",
    "No camera matches.": "没有符合条件的摄像机。",
    "muted (maintenance window)": "静默（维护时段）",
    "Previous": "上一页",
    "Next": "下一页",
    "Page": "页",
    "Statuses": "状态",
    "Status timeline": "状态时间线",
    "Probe timings": "探测耗时",
    "Probe": "探测",
    "At": "时间",
    "Result": "结果",
    "Seconds": "秒",
    "Events": "事件",
    "Event": "事件",
    "No events recorded.": "没有事件记录。",
    "No history store: events are not available.": "没有历史库：无法显示事件。",
    "Device": "设备",
    "Picture size": "画面尺寸",
    "Role": "类型",
    "yes": "是",
    "no": "否",
    "unknown": "未知",
    "Key areas without HD coverage": "缺少高清覆盖的重点区域",
    "Intersections without e-police coverage": "缺少电子警察覆盖的路口",
    "Every key area is covered.": "所有重点区域均已覆盖。",
    "Every intersection is covered.": "所有路口均已覆盖。",
    "Why": "原因",
    "Candidates": "候选摄像机",
    "intact": "完好",
    "not intact": "不完好",
    "Camera not found.": "未找到该摄像机。",
    "Back to the maintenance list": "返回维护清单",
    "hours": "小时",
}

# Domain values: (English, Chinese).
LABELS: dict[str, tuple[str, str]] = {
    # indicators
    "hd_coverage": ("HD coverage of key areas (L4P4)", "重点区域高清覆盖率（L4P4）"),
    "intactness": ("Intact cameras in key areas (L4P4)", "重点区域摄像机完好率（L4P4）"),
    "networking": ("Networked cameras (L4P5)", "联网率（L4P5）"),
    "epolice_coverage": ("E-police coverage of intersections (L4P6)", "路口电子警察覆盖率（L4P6）"),
    # statuses of the maintenance list
    "offline": ("offline", "离线"),
    "stream_failed": ("stream fails", "视频流异常"),
    "faulty": ("picture fault", "画面故障"),
    "disabled": ("disabled", "已停用"),
    "unknown": ("not probed yet", "尚未探测"),
    "not_intact": ("not intact", "不完好"),
    # picture faults
    "blank": ("blank", "黑屏/无图"),
    "too_dark": ("too dark", "过暗"),
    "too_bright": ("too bright", "过亮"),
    "blur": ("blur", "模糊"),
    "occlusion": ("occlusion", "遮挡"),
    "color_cast": ("colour cast", "偏色"),
    "noise": ("noise", "噪声"),
    "stripes": ("stripes", "条纹干扰"),
    "frozen": ("frozen", "画面冻结"),
    "scene_change": ("scene changed", "场景变化"),
    # coverage reasons
    "no_cameras": ("no camera in the registry", "登记中没有摄像机"),
    "not_probed": ("not probed yet", "尚未探测"),
    "no_hd_camera": ("no HD picture from any camera", "没有摄像机提供高清画面"),
    "no_e_police_camera": ("no e-police camera", "没有电子警察摄像机"),
    "cameras_offline": ("its cameras are offline", "摄像机全部离线"),
    "cameras_not_intact": ("its cameras are not intact", "摄像机均不完好"),
    # statuses of the camera page
    "online": ("online", "在线"),
    "stream": ("stream plays", "视频流正常"),
    "hd": ("HD", "高清"),
    "networked": ("networked", "已联网"),
    "intact": ("intact", "完好"),
    "maintenance": ("maintenance window", "维护时段"),
    # event kinds
    "came_online": ("came online", "上线"),
    "went_offline": ("went offline", "离线"),
    "stream_playing": ("stream plays", "视频流恢复"),
    "fault_confirmed": ("fault confirmed", "确认故障"),
    "fault_cleared": ("fault cleared", "故障消除"),
    "became_hd": ("became HD", "变为高清"),
    "became_not_hd": ("no longer HD", "不再高清"),
    "networked_verified": ("networked verified", "联网已验证"),
    "networked_lost": ("networking lost", "联网中断"),
    "platform_only_failure": ("platform fails, camera answers", "平台故障（摄像机正常）"),
    "became_intact": ("became intact", "变为完好"),
    "became_not_intact": ("became not intact", "变为不完好"),
    "maintenance_started": ("maintenance started", "维护开始"),
    "maintenance_ended": ("maintenance ended", "维护结束"),
    # roles
    "surveillance": ("surveillance", "治安监控"),
    "e_police": ("e-police", "电子警察"),
}


@dataclass(frozen=True)
class Translator:
    lang: str

    def t(self, text: str) -> str:
        return ZH.get(text, text) if self.lang == "zh" else text

    def label(self, value: object) -> str:
        key = str(value)
        pair = LABELS.get(key)
        if pair is None:
            return key
        return pair[1] if self.lang == "zh" else pair[0]


def choose_language(request: web.Request) -> str:
    """The cookie's language, else the browser's preferred one of ours, else Chinese."""
    picked = request.cookies.get(LANG_COOKIE)
    if picked in LANGUAGES:
        return picked
    return from_accept_language(request.headers.get("Accept-Language", ""))


def from_accept_language(header: str) -> str:
    """The ``zh``/``en`` entry with the highest q (earlier wins a tie), else the default."""
    best, best_q = DEFAULT, 0.0
    for item in header.split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = _quality(params)
        if q > best_q:
            best, best_q = primary, q
    return best


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def local_time(at: datetime | None, zone: ZoneInfo) -> str:
    """A time as the console's readers read it (both languages write dates the same way);
    "" for none."""
    return "" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
